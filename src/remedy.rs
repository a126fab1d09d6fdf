//! What to do about a result, by its status: one place for every report and the next-task
//! list. A FAIL or WARN gets the catalogue's fix; an ERROR is no verdict on the rule, so
//! it gets what lets the check decide (the run's root cause when there is one; what broke
//! when it reached the app, what it could not reach otherwise), never the FAIL's fix; a SKIP gets the key to add; an OPEN item what to do and how to attest it.

use crate::catalogue;
use crate::result::{CheckResult, Status};

/// The whole remedy for `result` (empty for PASS, N/A, INFO and ATTESTED). `causes` are the
/// run's root causes; `domain` what catalogue texts speak of.
pub fn remedy(result: &CheckResult, causes: &[String], domain: &str) -> String {
    let fix = || {
        catalogue::lookup_for(&result.id, domain)
            .map(|m| m.fix.clone())
            .unwrap_or_default()
    };
    match result.status {
        Status::Pass | Status::NotApplicable | Status::Info | Status::Attested => String::new(),
        Status::Fail | Status::Warn => fix(),
        Status::Open => {
            let fix = fix();
            let attest = format!(
                "then say so in `[attest.{}]` (by, on, and a link or note)",
                result
                    .id
                    .split_once('.')
                    .map_or(result.id.as_str(), |(_, item)| item)
            );
            if fix.is_empty() {
                format!("Do it, {attest}.")
            } else {
                format!("{fix} Then {}", attest.trim_start_matches("then "))
            }
        }
        Status::Error => match causes.first() {
            Some(cause) => format!("Not decided yet, no finding: first the run's cause: {cause}."),
            None if result.unreached => format!(
                "Not decided yet, no finding: it reached nothing it audits; fix what its evidence names (a profile key, the network, an origin that is down), then `launch-audit run --only {}`.",
                result.id
            ),
            None => format!(
                "It reached the app and met something broken (a crash, an answer cut short, a hang): fix what its evidence names, then `launch-audit run --only {}`.",
                result.id
            ),
        },
        Status::Skip => match &result.needs {
            Some(key) => format!("Set `{key}` in the profile so the check can run."),
            // Left out of this audit (--only/--skip) rather than missing a key.
            None => format!(
                "Not run in this audit: {}; run it to decide it.",
                result.summary
            ),
        },
        Status::Waived => result
            .waiver
            .as_ref()
            .map(|w| format!("Waived until {}: {}", w.expires, w.reason))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Severity;

    fn result(id: &str, status: Status) -> CheckResult {
        CheckResult {
            needs: Some("health.path".into()),
            ..CheckResult::sample(id, Severity::Critical, status)
        }
    }

    #[test]
    fn each_status_gets_the_remedy_for_its_cause() {
        let id = "secrets.client-bundle";
        let fail = remedy(&result(id, Status::Fail), &[], "acme.test");
        assert!(fail.starts_with("Keep secrets on the server"), "{fail}");
        let error = remedy(&result(id, Status::Error), &[], "acme.test");
        assert!(
            !error.contains("Keep secrets"),
            "an ERROR is not told the FAIL's fix: {error}"
        );
        assert!(error.contains("--only secrets.client-bundle"), "{error}");
        assert!(error.contains("met something broken"), "{error}");
        let unreached = CheckResult {
            unreached: true,
            ..result(id, Status::Error)
        };
        let unreached = remedy(&unreached, &[], "acme.test");
        assert!(
            unreached.contains("reached nothing it audits"),
            "{unreached}"
        );
        let caused = remedy(
            &result(id, Status::Error),
            &["the target limited this audit".into()],
            "acme.test",
        );
        assert!(caused.contains("the target limited this audit"), "{caused}");
        let skip = remedy(&result(id, Status::Skip), &[], "acme.test");
        assert_eq!(
            skip,
            "Set `health.path` in the profile so the check can run."
        );
        let left_out = CheckResult {
            needs: None,
            summary: "not selected (--only/--skip)".into(),
            ..result(id, Status::Skip)
        };
        assert_eq!(
            remedy(&left_out, &[], "acme.test"),
            "Not run in this audit: not selected (--only/--skip); run it to decide it."
        );
        let open = remedy(
            &result("handover.rollback-plan", Status::Open),
            &[],
            "acme.test",
        );
        assert!(open.contains("[attest.rollback-plan]"), "{open}");
        assert!(remedy(&result(id, Status::Pass), &[], "acme.test").is_empty());
    }
}

//! `email.dmarc` to RFC 9989 (DMARCbis), noting what RFC 7489-era receivers will read:
//! policy discovery by the DNS tree walk, one `v=DMARC1` record, an enforcing policy.

use super::{has_null_mx, needs_domain, tags};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::DnsAnswer;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

pub struct Dmarc;

/// RFC 9989's tree walk visits at most this many names.
const MAX_WALK: usize = 8;

/// Where the walk goes: the domain, then one label less at a time; a name of more than
/// eight labels jumps straight to its last seven after the first query.
pub fn walk(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    let mut names = vec![labels.join(".")];
    let mut start = if labels.len() > MAX_WALK {
        labels.len() - (MAX_WALK - 1)
    } else {
        1
    };
    while start < labels.len() && names.len() < MAX_WALK {
        names.push(labels[start..].join("."));
        start += 1;
    }
    names
}

/// A DMARC record: `v=DMARC1` first.
fn is_dmarc(text: &str) -> bool {
    let text = text.trim_start();
    text.strip_prefix("v=DMARC1")
        .is_some_and(|rest| rest.trim_start().is_empty() || rest.trim_start().starts_with(';'))
}

/// Why a domain sends no mail, when it does not: then its policy must be `reject`, since
/// no legitimate mail can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendsNoMail {
    /// It publishes a null MX (`0 .`).
    NullMx,
    /// The profile states it (`has_no = ["mail"]`).
    Stated,
}

/// Judges a record; `inherited` names the ancestor it came from, if not the domain itself.
pub fn judge(
    record: &str,
    inherited: bool,
    sends_no_mail: Option<SendsNoMail>,
) -> Vec<(Status, String)> {
    let mut notes = Vec::new();
    let tags = match tags::parse(record) {
        Ok(tags) => tags,
        Err(error) => return vec![(Status::Fail, format!("syntax error: {error}"))],
    };
    let policy_of = |name: &str| tags::get(&tags, name).map(str::to_ascii_lowercase);
    for name in ["p", "sp", "np"] {
        if let Some(value) = policy_of(name)
            && !matches!(value.as_str(), "none" | "quarantine" | "reject")
        {
            return vec![(
                Status::Fail,
                format!("{name}={value} is not none, quarantine or reject"),
            )];
        }
    }
    let Some(p) = policy_of("p") else {
        return vec![(
            Status::Fail,
            "no p= tag: receivers ignore the record".into(),
        )];
    };
    // A subdomain inherits sp (then p) from the organisational record.
    let applies = if inherited {
        policy_of("sp").unwrap_or_else(|| p.clone())
    } else {
        p.clone()
    };
    match applies.as_str() {
        "reject" | "quarantine" => notes.push((
            Status::Pass,
            format!("policy {applies}: receivers act on failing mail"),
        )),
        _ => notes.push((
            Status::Warn,
            "p=none: unenforced — spoofed mail is still delivered (monitoring only)".into(),
        )),
    }
    match sends_no_mail {
        Some(why) if applies != "reject" => notes.push((
            Status::Warn,
            match why {
                SendsNoMail::NullMx => "the domain has a null MX and sends no mail: publish p=reject",
                SendsNoMail::Stated => {
                    "the profile states the domain sends no mail: publish p=reject, so no mail in its name is delivered"
                }
            }
            .into(),
        )),
        _ => {}
    }
    if tags::get(&tags, "t").is_some_and(|t| t.eq_ignore_ascii_case("y")) {
        notes.push((
            Status::Warn,
            "t=y: testing mode, receivers apply one step less than the policy".into(),
        ));
    }
    if let Some(pct) = tags::get(&tags, "pct") {
        match pct.parse::<u8>() {
            Ok(n) if n < 100 => notes.push((Status::Warn, format!("pct={n}: removed by RFC 9989, but RFC 7489 receivers still apply the policy to only {n}% of mail"))),
            Ok(n) if n <= 100 => notes.push((Status::Pass, "pct=100: removed by RFC 9989 (harmless)".into())),
            _ => return vec![(Status::Fail, format!("pct={pct} is not 0 to 100"))],
        }
    }
    for removed in ["rf", "ri"] {
        if tags::get(&tags, removed).is_some() {
            notes.push((
                Status::Pass,
                format!("{removed}= was removed by RFC 9989 and is ignored"),
            ));
        }
    }
    for (name, what) in [("sp", "subdomains"), ("np", "non-existent subdomains")] {
        if let Some(value) = policy_of(name) {
            notes.push((Status::Pass, format!("{name}={value} for {what}")));
        }
    }
    let known = [
        "v", "p", "sp", "np", "t", "pct", "rf", "ri", "rua", "ruf", "adkim", "aspf", "fo", "psd",
    ];
    for (name, _) in &tags {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            notes.push((Status::Pass, format!("unknown tag `{name}` ignored")));
        }
    }
    if tags::get(&tags, "rua").is_none() {
        notes.push((Status::Warn, "no rua=: nobody receives aggregate reports, so spoofing and misconfigured senders go unseen".into()));
    }
    notes
}

/// `mailto:` report domains other than `domain`: each needs `<domain>._report._dmarc.<it>`.
fn external_report_domains(record: &str, domain: &str) -> Vec<String> {
    let Ok(tags) = tags::parse(record) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for uri in tags::get(&tags, "rua").unwrap_or_default().split(',') {
        let Some(address) = uri.trim().strip_prefix("mailto:") else {
            continue;
        };
        let address = address.split('!').next().unwrap_or(address);
        if let Some((_, host)) = address.rsplit_once('@') {
            let host = host.to_ascii_lowercase();
            if host != domain && !host.ends_with(&format!(".{domain}")) && !out.contains(&host) {
                out.push(host);
            }
        }
    }
    out
}

impl Check for Dmarc {
    fn id(&self) -> &str {
        "email.dmarc"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        needs_domain(profile)
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(domain) = &ctx.profile.target.domain else {
                return Finding::error("no [target] domain");
            };
            let mut observations = Vec::new();
            let mut found = None;
            // Names the walk asked that answered without a DMARC record.
            let mut without = Vec::new();
            for (step, name) in walk(domain).into_iter().enumerate() {
                let query = format!("_dmarc.{name}");
                let records = match ctx.dns.txt(&query).await {
                    Ok(answer) => answer.records(),
                    // A nameserver that refuses a parent does not serve it: the zone
                    // under audit (asked first) has no record, and nothing above it is
                    // this zone's to hold one (a domain checked on its authoritative server
                    // before it goes live). Absent, not undecided.
                    Err(failure) if failure.refused && !without.is_empty() => {
                        return Finding::from_observations(vec![Observation::new(
                            Status::Fail,
                            format!("_dmarc.{domain}"),
                            format!(
                                "no DMARC record: {} answered without one, and the nameserver refused `{query}` (not a name it serves), so no parent's policy was found either: anyone can send mail as {domain}",
                                without.join(", ")
                            ),
                        )]);
                    }
                    Err(failure) => {
                        // Say what was established before the walk stopped: the domain's
                        // own name has no record, and a parent's policy is undecided.
                        let detail = if without.is_empty() {
                            failure.reason
                        } else {
                            format!(
                                "{} answered with no DMARC record; the walk to the parents stopped here ({}), so whether a parent's policy covers {domain} is undecided",
                                without.join(", "),
                                failure.reason
                            )
                        };
                        return Finding::from_observations(vec![Observation::new(
                            Status::Error,
                            query,
                            detail,
                        )]);
                    }
                };
                let dmarc: Vec<String> = records
                    .iter()
                    .map(|r| String::from_utf8_lossy(r).into_owned())
                    .filter(|r| is_dmarc(r))
                    .collect();
                match dmarc.as_slice() {
                    [] => {
                        without.push(format!("`{query}`"));
                        continue;
                    }
                    [one] => {
                        found = Some((query, name, one.clone(), step > 0));
                        break;
                    }
                    _ => {
                        return Finding::from_observations(vec![Observation::new(
                            Status::Fail,
                            query,
                            format!(
                                "{} v=DMARC1 records: receivers ignore them all",
                                dmarc.len()
                            ),
                        )]);
                    }
                }
            }
            let Some((at, record_domain, record, inherited)) = found else {
                return Finding::from_observations(vec![Observation::new(
                    Status::Fail,
                    format!("_dmarc.{domain}"),
                    "no DMARC record on the domain or its parents: anyone can send mail as it and receivers have no policy to apply",
                )]);
            };
            let sends_no_mail = if ctx
                .profile
                .target
                .has_no
                .contains(&crate::profile::Absent::Mail)
            {
                Some(SendsNoMail::Stated)
            } else if has_null_mx(ctx, domain).await.unwrap_or(false) {
                Some(SendsNoMail::NullMx)
            } else {
                None
            };
            let subject = if inherited {
                format!("{at} (inherited by {domain})")
            } else {
                at.clone()
            };
            observations.push(Observation::new(
                Status::Pass,
                &subject,
                format!("`{record}`"),
            ));
            for (status, note) in judge(&record, inherited, sends_no_mail) {
                observations.push(Observation::new(status, &subject, note));
            }
            // External to the domain that published the record (RFC 7489 §7.1): an
            // inherited record's own reporting address is not external.
            for report_domain in external_report_domains(&record, &record_domain) {
                let name = format!("{record_domain}._report._dmarc.{report_domain}");
                let observation = match ctx.dns.txt(&name).await {
                    Ok(DnsAnswer::Records(records))
                        if records
                            .iter()
                            .any(|r| is_dmarc(&String::from_utf8_lossy(r))) =>
                    {
                        Observation::new(
                            Status::Pass,
                            name,
                            "the report domain accepts reports for this domain",
                        )
                    }
                    Ok(_) => Observation::new(
                        Status::Warn,
                        name,
                        "missing: the report domain has not authorised reports for this domain, so none arrive",
                    ),
                    Err(failure) => Observation::new(Status::Error, name, failure.reason),
                };
                observations.push(observation);
            }
            Finding::from_observations(observations)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_walk_shortens_long_names() {
        assert_eq!(
            walk("a.b.example.com"),
            ["a.b.example.com", "b.example.com", "example.com", "com"]
        );
        let long = walk("a.b.c.d.e.f.g.h.i.example.com");
        assert_eq!(long[0], "a.b.c.d.e.f.g.h.i.example.com");
        // Then the seven rightmost labels, and one label less each time: eight queries at most.
        assert_eq!(long[1], "e.f.g.h.i.example.com");
        assert_eq!(long.len(), MAX_WALK);
        assert_eq!(long.last().map(String::as_str), Some("com"));
    }

    #[test]
    fn policies_and_notes() {
        let worst = |record: &str| {
            judge(record, false, None)
                .iter()
                .map(|(s, _)| *s)
                .max_by_key(|s| {
                    matches!(s, Status::Fail) as u8 * 2 + matches!(s, Status::Warn) as u8
                })
        };
        assert_eq!(
            worst("v=DMARC1; p=reject; rua=mailto:d@acme.test"),
            Some(Status::Pass)
        );
        assert_eq!(
            worst("v=DMARC1; p=none; rua=mailto:d@acme.test"),
            Some(Status::Warn)
        );
        assert_eq!(
            worst("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@acme.test"),
            Some(Status::Warn)
        );
        assert_eq!(
            worst("v=DMARC1; p=reject; t=y; rua=mailto:d@acme.test"),
            Some(Status::Warn)
        );
        assert_eq!(worst("v=DMARC1; p=reject"), Some(Status::Warn), "no rua");
        assert_eq!(worst("v=DMARC1; p=block"), Some(Status::Fail));
        assert_eq!(
            worst("v=DMARC1; rua=mailto:d@acme.test"),
            Some(Status::Fail)
        );
        assert!(is_dmarc("v=DMARC1; p=none") && !is_dmarc("v=DMARC10; p=none"));
        assert_eq!(
            external_report_domains(
                "v=DMARC1; rua=mailto:a@acme.test,mailto:b@reports.test!10m",
                "acme.test"
            ),
            ["reports.test"]
        );
    }
}

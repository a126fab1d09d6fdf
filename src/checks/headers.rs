//! Security headers family: `headers.security`, `headers.version-disclosure`.

use reqwest::header::HeaderMap;

use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::net::HttpRequest;
use crate::profile::Profile;
use crate::result::{Finding, Observation, Status};

/// nosniff, framing protection and a Referrer-Policy on the app's pages.
pub struct Security;

impl Check for Security {
    fn id(&self) -> &str {
        "headers.security"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            judge_pages(ctx, |headers| {
                let assessment = assess(headers);
                (assessment.status(), assessment.describe())
            })
            .await
        })
    }
}

/// What one response's headers show.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    pub failures: Vec<String>,
    pub warnings: Vec<String>,
    pub present: Vec<String>,
}

impl Assessment {
    pub fn status(&self) -> Status {
        if !self.failures.is_empty() {
            Status::Fail
        } else if !self.warnings.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.failures.is_empty() {
            parts.push(self.failures.join(", "));
        }
        if !self.warnings.is_empty() {
            parts.push(self.warnings.join(", "));
        }
        if parts.is_empty() {
            parts.push(format!("has {}", self.present.join(", ")));
        }
        parts.join("; ")
    }
}

/// Judges one response's headers (pure, so every rule is unit-tested below).
pub fn assess(headers: &HeaderMap) -> Assessment {
    let get = |name: &str| -> Option<String> {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let mut a = Assessment::default();

    match get("x-content-type-options") {
        Some(value) if value.eq_ignore_ascii_case("nosniff") => a.present.push("nosniff".into()),
        Some(value) => a
            .failures
            .push(format!("X-Content-Type-Options is `{value}`, not nosniff")),
        None => a.failures.push("no X-Content-Type-Options: nosniff".into()),
    }

    let csp = get("content-security-policy");
    let frame_ancestors = csp
        .as_deref()
        .and_then(|csp| directive(csp, "frame-ancestors"));
    let xfo = get("x-frame-options").map(|v| v.to_ascii_uppercase());
    match (frame_ancestors, xfo.as_deref()) {
        (Some(value), _) => a.present.push(format!("frame-ancestors {value}")),
        (None, Some("DENY" | "SAMEORIGIN")) => a.present.push(format!(
            "X-Frame-Options {}",
            xfo.clone().unwrap_or_default()
        )),
        (None, Some(other)) => a.failures.push(format!(
            "X-Frame-Options `{other}` is not DENY or SAMEORIGIN and CSP has no frame-ancestors"
        )),
        (None, None) => a
            .failures
            .push("framing allowed (no CSP frame-ancestors, no X-Frame-Options)".into()),
    }

    match get("referrer-policy") {
        None => a.failures.push("no Referrer-Policy".into()),
        Some(value) => {
            // Browsers use the last policy they understand.
            let last = value
                .rsplit(',')
                .map(str::trim)
                .find(|p| !p.is_empty())
                .unwrap_or("");
            let last = last.to_ascii_lowercase();
            if matches!(last.as_str(), "unsafe-url" | "no-referrer-when-downgrade") {
                a.warnings.push(format!(
                    "Referrer-Policy `{last}` leaks full URLs to other sites"
                ));
            } else {
                a.present.push(format!("Referrer-Policy {last}"));
            }
        }
    }

    match csp {
        Some(csp) => {
            a.present.push("CSP".into());
            a.warnings.extend(csp_weaknesses(&csp));
        }
        None if get("content-security-policy-report-only").is_some() => {
            a.warnings.push("CSP is report-only".into())
        }
        None => a.warnings.push("no Content-Security-Policy".into()),
    }

    // Reported, not judged: both are worth having but rarely what breaks a launch.
    for (name, label) in [
        ("permissions-policy", "Permissions-Policy"),
        ("cross-origin-opener-policy", "COOP"),
    ] {
        if let Some(value) = get(name) {
            a.present.push(format!("{label} {value}"));
        }
    }
    a
}

/// The pages whose headers the family judges: base_url and canonical.
fn pages(profile: &Profile) -> Vec<url::Url> {
    let mut pages = vec![profile.target.base_url.clone()];
    if let Some(canonical) = &profile.target.canonical
        && !pages.contains(canonical)
    {
        pages.push(canonical.clone());
    }
    pages
}

/// Fetches each page and judges the headers of its answer, whatever its status: the
/// headers a visitor receives are the evidence.
async fn judge_pages(ctx: &Ctx, judge: impl Fn(&HeaderMap) -> (Status, String)) -> Finding {
    let judge = &judge;
    let probes = pages(&ctx.profile).into_iter().map(|url| async move {
        let request = HttpRequest::get(url);
        match ctx.http.send(&request).await {
            Err(error) => super::unreachable(ctx, &request, error),
            Ok(response) => {
                let (status, detail) = judge(&response.headers);
                let detail = format!("{}: {detail}", response.status);
                Observation::new(status, request.describe(), detail)
            }
        }
    });
    Finding::from_observations(futures_util::future::join_all(probes).await)
}

/// No response names the software behind it with its version.
pub struct VersionDisclosure;

/// Headers servers and frameworks put their name, and often their version, in.
const BANNERS: &[&str] = &[
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
];

impl Check for VersionDisclosure {
    fn id(&self) -> &str {
        "headers.version-disclosure"
    }

    fn applies(&self, _profile: &Profile) -> Applicability {
        Applicability::Run
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move { judge_pages(ctx, banners).await })
    }
}

/// FAIL when a banner carries a version (a digit: `nginx/1.22.1`, `ASP.NET 4.0.30319`);
/// otherwise PASS, naming the products seen.
fn banners(headers: &HeaderMap) -> (Status, String) {
    let seen: Vec<(&str, String)> = BANNERS
        .iter()
        .flat_map(|name| {
            headers.get_all(*name).iter().map(|v| {
                (
                    *name,
                    String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
                )
            })
        })
        .collect();
    let versioned: Vec<String> = seen
        .iter()
        .filter(|(_, value)| value.chars().any(|c| c.is_ascii_digit()))
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    if !versioned.is_empty() {
        return (
            Status::Fail,
            format!("names its versions: {}", versioned.join("; ")),
        );
    }
    if seen.is_empty() {
        return (Status::Pass, "no Server or X-Powered-By banner".into());
    }
    let named: Vec<String> = seen
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect();
    (
        Status::Pass,
        format!("names no version ({})", named.join("; ")),
    )
}

/// What weakens a CSP: script-src (or default-src, its fallback) allowing inline script or
/// eval, and no object-src / base-uri restriction (object-src falls back to default-src;
/// base-uri has no fallback).
fn csp_weaknesses(csp: &str) -> Vec<String> {
    let mut weaknesses = Vec::new();
    let default_src = directive(csp, "default-src");
    if let Some(scripts) = directive(csp, "script-src").or_else(|| default_src.clone()) {
        let lower = scripts.to_ascii_lowercase();
        // A nonce or hash makes browsers ignore 'unsafe-inline' (CSP Level 2+).
        let nonce_or_hash = lower.contains("'nonce-") || lower.contains("'sha");
        if lower.contains("'unsafe-inline'") && !nonce_or_hash {
            weaknesses.push("CSP script-src allows 'unsafe-inline'".to_string());
        }
        if lower.contains("'unsafe-eval'") {
            weaknesses.push("CSP script-src allows 'unsafe-eval'".to_string());
        }
    }
    if directive(csp, "object-src").or(default_src).is_none() {
        weaknesses.push("CSP has no object-src (or default-src)".to_string());
    }
    if directive(csp, "base-uri").is_none() {
        weaknesses.push("CSP has no base-uri".to_string());
    }
    weaknesses
}

/// The value of a CSP directive, if present (`frame-ancestors 'none'` → `'none'`).
fn directive(csp: &str, name: &str) -> Option<String> {
    csp.split([';', ',']).map(str::trim).find_map(|part| {
        let mut words = part.split_whitespace();
        (words.next()?.eq_ignore_ascii_case(name)).then(|| words.collect::<Vec<_>>().join(" "))
    })
}

/// This family's checks, for the registry.
pub fn checks() -> Vec<crate::check::Registered> {
    use crate::check::Registered;
    vec![
        Registered::one(Security),
        Registered::one(VersionDisclosure),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_in_a_banner_fails_and_a_bare_product_name_passes() {
        let (status, detail) = banners(&headers(&[("server", "nginx/1.22.1")]));
        assert_eq!(status, Status::Fail, "{detail}");
        assert!(detail.contains("server: nginx/1.22.1"), "{detail}");
        let (status, detail) = banners(&headers(&[
            ("x-powered-by", "PHP/8.2.0"),
            ("server", "nginx"),
        ]));
        assert_eq!(status, Status::Fail, "{detail}");
        let (status, detail) = banners(&headers(&[
            ("server", "nginx"),
            ("x-powered-by", "Express"),
        ]));
        assert_eq!(status, Status::Pass, "{detail}");
        assert!(detail.contains("server: nginx"), "{detail}");
        assert_eq!(banners(&HeaderMap::new()).0, Status::Pass);
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn complete_set_passes() {
        let a = assess(&headers(&[
            ("x-content-type-options", "nosniff"),
            (
                "content-security-policy",
                "default-src 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
            ("referrer-policy", "strict-origin-when-cross-origin"),
        ]));
        assert_eq!(a.status(), Status::Pass, "{a:?}");
    }

    #[test]
    fn x_frame_options_counts_when_csp_is_missing_but_csp_absence_warns() {
        let a = assess(&headers(&[
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "sameorigin"),
            ("referrer-policy", "no-referrer"),
        ]));
        assert_eq!(a.status(), Status::Warn, "{a:?}");
        assert_eq!(a.warnings, ["no Content-Security-Policy"]);
    }

    #[test]
    fn missing_basics_fail_and_banners_are_left_to_version_disclosure() {
        let a = assess(&headers(&[
            ("server", "nginx/1.18.0"),
            ("x-powered-by", "Express"),
        ]));
        assert_eq!(a.status(), Status::Fail);
        assert_eq!(a.failures.len(), 3, "{a:?}");
        assert!(
            !a.warnings.iter().any(|w| w.contains("nginx/1.18.0")),
            "headers.version-disclosure judges banners: {a:?}"
        );
    }

    #[test]
    fn weak_csp_warns() {
        let base = [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
        ];
        let with = |csp: &'static str| {
            let mut pairs = base.to_vec();
            pairs.push(("content-security-policy", csp));
            assess(&headers(&pairs))
        };
        let strong =
            with("default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
        assert_eq!(strong.status(), Status::Pass, "{strong:?}");
        let inline = with(
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
        );
        assert_eq!(inline.warnings.len(), 2, "{inline:?}");
        let nonce = with(
            "script-src 'nonce-abc' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
        );
        assert_eq!(nonce.status(), Status::Pass, "{nonce:?}");
        let bare = with("frame-ancestors 'none'");
        assert_eq!(
            bare.warnings,
            [
                "CSP has no object-src (or default-src)",
                "CSP has no base-uri"
            ]
        );
    }

    #[test]
    fn unsafe_referrer_policy_warns_and_last_policy_wins() {
        let a = assess(&headers(&[
            ("x-content-type-options", "nosniff"),
            ("content-security-policy", "frame-ancestors 'self'"),
            ("referrer-policy", "no-referrer, unsafe-url"),
        ]));
        assert_eq!(a.status(), Status::Warn);
    }
}

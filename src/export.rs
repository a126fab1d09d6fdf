//! `export k6`: the `latency.p95` scenario as a k6 script — the same routes, identities'
//! credential styles, rate, duration, warm-up and thresholds — so a distributed k6 run can
//! take the load beyond one machine. Credentials are never written: the script reads them
//! from `__ENV` (one variable per identity), as k6 runs expect.

use std::fmt::Write as _;

use crate::profile::{Profile, Scheme};

/// The environment variable the script reads an identity's credential from.
pub fn credential_variable(identity: &str) -> String {
    format!(
        "LAUNCH_AUDIT_{}_CREDENTIAL",
        crate::profile::env_style(identity)
    )
}

/// A JavaScript string literal.
fn js(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// The k6 script, or why the profile has no scenario to export.
pub fn k6(profile: &Profile) -> Result<String, String> {
    let latency = profile
        .latency
        .as_ref()
        .ok_or("the profile has no [latency] section to export")?;
    let mut routes = Vec::new();
    let mut variables = Vec::new();
    for route in profile.routes.iter().filter(|r| r.onboarding) {
        // The first identity that may use the route and can fill its placeholders, as the
        // audit's baseline picks it.
        let (identity, filled) = profile
            .active_identities()
            .filter(|i| i.may_use(&route.roles))
            .find_map(|i| Some((i, route.fill(&profile.tenant_values(i))?)))
            .ok_or_else(|| {
                format!(
                    "{} {}: no identity may use and fill it",
                    route.method.as_str(),
                    route.path
                )
            })?;
        let mut url = profile.url_for(&filled.path).map_err(|e| e.to_string())?;
        if !filled.query.is_empty() {
            url.query_pairs_mut().extend_pairs(filled.query.iter());
        }
        let variable = credential_variable(&identity.name);
        if !variables.contains(&variable) {
            variables.push(variable.clone());
        }
        let header = match &identity.scheme {
            Scheme::Bearer => format!("{{ Authorization: `Bearer ${{__ENV.{variable}}}` }}"),
            Scheme::Header(name) => format!("{{ {}: __ENV.{variable} }}", js(name)),
            Scheme::Cookie(name) => format!("{{ Cookie: `{name}=${{__ENV.{variable}}}` }}"),
        };
        let body = match &filled.body {
            Some(json) => js(&json.to_string()),
            None => "null".into(),
        };
        let content_type = if filled.body.is_some() {
            ", 'Content-Type': 'application/json'"
        } else {
            ""
        };
        routes.push(format!(
            "  {{ name: {}, method: {}, url: {}, body: {body}, headers: Object.assign({header}, {{ 'User-Agent': 'launch-audit-k6'{content_type} }}) }},",
            js(&format!("{} {}", route.method.as_str(), route.path)),
            js(route.method.as_str()),
            js(url.as_str()),
        ));
    }
    if routes.is_empty() {
        return Err("no [[routes]] entry has onboarding = true".into());
    }
    let p95_ms = latency.p95.as_millis();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// k6 script exported by launch-audit {} from {}.",
        env!("CARGO_PKG_VERSION"),
        profile.source
    );
    let _ = writeln!(
        out,
        "// The latency.p95 scenario: an open model (constant-arrival-rate), the same thresholds."
    );
    let _ = writeln!(
        out,
        "// Credentials come from the environment, never from this file:"
    );
    for variable in &variables {
        let _ = writeln!(out, "//   {variable}");
    }
    let _ = writeln!(
        out,
        "// Run:  k6 run -e {}=… script.js   (k6 cloud / distributed runners alike)",
        variables[0]
    );
    out.push_str("import http from 'k6/http';\nimport { check } from 'k6';\n\n");
    let _ = writeln!(out, "const routes = [\n{}\n];\n", routes.join("\n"));
    let warmup_s = latency.warmup.as_secs_f64();
    let duration_s = latency.duration.as_secs_f64();
    let _ = writeln!(
        out,
        "export const options = {{\n  scenarios: {{\n{}    onboarding: {{ executor: 'constant-arrival-rate', rate: {rate}, timeUnit: '1s', duration: '{duration_s}s', startTime: '{warmup_s}s', preAllocatedVUs: {vus}, maxVUs: {vus} }},\n  }},\n  thresholds: {{\n    'http_req_duration{{scenario:onboarding}}': ['p(95)<{p95_ms}'],\n    'http_req_failed{{scenario:onboarding}}': ['rate<{err}'],\n  }},\n  summaryTrendStats: ['med', 'p(90)', 'p(95)', 'p(99)', 'max'],\n}};\n",
        if warmup_s > 0.0 {
            format!(
                "    warmup: {{ executor: 'constant-arrival-rate', rate: {rate}, timeUnit: '1s', duration: '{warmup_s}s', preAllocatedVUs: {vus}, maxVUs: {vus} }},\n",
                rate = latency.rate,
                vus = latency.max_in_flight
            )
        } else {
            String::new()
        },
        rate = latency.rate,
        vus = latency.max_in_flight,
        err = latency.max_error_rate,
    );
    out.push_str("export default function () {\n  const route = routes[__ITER % routes.length];\n  const res = http.request(route.method, route.url, route.body, { headers: route.headers, tags: { route: route.name } });\n  check(res, { 'answered below 400': (r) => r.status < 400 });\n}\n");
    Ok(out)
}

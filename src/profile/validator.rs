//! The validator every section's rules run on: it blames a value's span (file:line:col and
//! the key), and keeps the secrets it read so the redactor learns them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use crate::profile::diag::{Locator, ProfileError};
use crate::profile::secret::Secret;

/// Checks meaning and collects every problem; returns a profile that is only used when
/// no error was pushed. Families that own their section (`checks/<family>/cfg.rs`)
/// validate it through the `pub(crate)` methods here.
pub(crate) struct Validator<'a> {
    pub(crate) locator: &'a Locator<'a>,
    pub(crate) errors: Vec<ProfileError>,
    pub(crate) extra_secrets: Vec<Secret>,
    pub(crate) base_dir: &'a Path,
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
}

impl Validator<'_> {
    pub(crate) fn blame<T>(&mut self, value: &Spanned<T>, key: &str, message: impl Into<String>) {
        let error = self.locator.error(Some(value.span()), key, message);
        self.errors.push(error);
    }

    pub(crate) fn url(&mut self, value: &Spanned<String>, key: &str) -> Option<Url> {
        let text = value.get_ref();
        match Url::parse(text) {
            Ok(url) if !matches!(url.scheme(), "http" | "https") => {
                self.blame(
                    value,
                    key,
                    format!("expected an http:// or https:// URL, found `{text}`"),
                );
                None
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                self.blame(
                    value,
                    key,
                    format!("expected a URL with a host, found `{text}`"),
                );
                None
            }
            Ok(url) if !url.username().is_empty() || url.password().is_some() => {
                self.blame(
                    value,
                    key,
                    "credentials in a URL end up in logs and reports: put them in [identities] instead",
                );
                None
            }
            Ok(url) => Some(url),
            Err(error) => {
                self.blame(
                    value,
                    key,
                    format!(
                        "expected a URL such as `https://app.acme.test`, found `{text}` ({error})"
                    ),
                );
                None
            }
        }
    }

    /// A problem with no single value to point at (a section missing what it needs).
    pub(crate) fn error_without_place(&mut self, key: &str, message: impl Into<String>) {
        let error = self.locator.error(None, key, message);
        self.errors.push(error);
    }

    /// Where relative paths in the profile start: the profile's directory.
    pub(crate) fn base_dir(&self) -> &Path {
        self.base_dir
    }

    pub(crate) fn duration(&mut self, value: &Spanned<String>, key: &str) -> Option<Duration> {
        match humantime::parse_duration(value.get_ref()) {
            Ok(duration) if duration.is_zero() => {
                self.blame(value, key, "expected a duration greater than zero");
                None
            }
            Ok(duration) => Some(duration),
            Err(error) => {
                self.blame(
                    value,
                    key,
                    format!(
                        "expected a duration such as `500ms`, `15s` or `2m`, found `{}` ({error})",
                        value.get_ref()
                    ),
                );
                None
            }
        }
    }

    /// `value` with its `${VAR}`s filled (not a secret: an address, a name); a missing
    /// variable is blamed on it.
    pub(crate) fn interpolated(&mut self, value: &Spanned<String>, key: &str) -> String {
        match crate::profile::env::interpolate(value.get_ref(), self.env) {
            Ok(text) => text,
            Err(message) => {
                self.blame(value, key, message);
                String::new()
            }
        }
    }

    pub(crate) fn secret(&mut self, value: &Spanned<String>, key: &str) -> Secret {
        match crate::profile::env::interpolate(value.get_ref(), self.env) {
            Ok(text) if text.trim().is_empty() => {
                self.blame(value, key, "the credential is empty");
                Secret::new(text)
            }
            Ok(text) => Secret::new(text),
            Err(message) => {
                self.blame(value, key, message);
                Secret::new(String::new())
            }
        }
    }

    /// `${VAR}` in every string of a JSON body; interpolated values, and values of fields
    /// named like credentials, become secrets. Errors point at `anchor` (bodies keep no spans).
    pub(crate) fn interpolate_json(
        &mut self,
        value: &mut serde_json::Value,
        anchor: &Spanned<String>,
        key: &str,
        field: Option<&str>,
    ) {
        match value {
            serde_json::Value::String(text) => {
                match crate::profile::env::interpolate(text, self.env) {
                    Ok(filled) => {
                        let secret_field = field.is_some_and(|f| {
                            let f = f.to_ascii_lowercase();
                            ["pass", "secret", "token", "key"]
                                .iter()
                                .any(|w| f.contains(w))
                        });
                        if filled != *text || secret_field {
                            self.extra_secrets.push(Secret::new(filled.clone()));
                        }
                        *text = filled;
                    }
                    Err(message) => self.blame(anchor, key, message),
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    self.interpolate_json(item, anchor, key, field);
                }
            }
            serde_json::Value::Object(map) => {
                for (name, item) in map.iter_mut() {
                    let nested = format!("{key}.{name}");
                    self.interpolate_json(item, anchor, &nested, Some(name));
                }
            }
            _ => {}
        }
    }

    /// Every `{name}` in a route path must be filled by every tenant.
    pub(crate) fn placeholders(
        &mut self,
        path: &Spanned<String>,
        key: &str,
        tenants: &BTreeMap<String, BTreeMap<String, String>>,
    ) {
        let text = path.get_ref();
        let names = match placeholder_names(text) {
            Ok(names) => names,
            Err(message) => {
                self.blame(path, key, message);
                return;
            }
        };
        for name in names {
            if tenants.is_empty() {
                self.blame(
                    path,
                    key,
                    format!("`{{{name}}}` cannot be filled: no [tenants.*] table defines `{name}`"),
                );
                continue;
            }
            let missing: Vec<&str> = tenants
                .iter()
                .filter(|(_, values)| !values.contains_key(name))
                .map(|(tenant, _)| tenant.as_str())
                .collect();
            if !missing.is_empty() {
                self.blame(
                    path,
                    key,
                    format!(
                        "`{{{name}}}` cannot be filled: tenant(s) {} define no `{name}`",
                        missing.join(", ")
                    ),
                );
            }
        }
    }
}

pub(crate) fn list_or_none<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none defined".to_string()
    } else {
        names.join(", ")
    }
}

/// The `{names}` in a route path, query value or body string, in order. `{{` and `}}` are
/// a literal `{` and `}` (a GraphQL document in a body: `{{ me {{ email }} }}`).
pub fn placeholder_names(path: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        let doubled = rest[open + 1..].starts_with(rest.as_bytes()[open] as char);
        if doubled {
            rest = &rest[open + 2..];
            continue;
        }
        if rest.as_bytes()[open] == b'}' {
            return Err("`}` without an opening `{` (write `}}` for a literal `}`)".to_string());
        }
        let tail = &rest[open + 1..];
        let close = tail
            .find('}')
            .ok_or("`{` without a closing `}` (write `{{` for a literal `{`)")?;
        let name = &tail[..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{{{name}}}` is not a placeholder: use letters, digits and `_` (write `{{{{` and `}}}}` for literal braces)"
            ));
        }
        names.push(name);
        rest = &tail[close + 1..];
    }
    Ok(names)
}

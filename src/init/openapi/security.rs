//! Security schemes and requirements: which credential style a scheme is, and which
//! schemes an operation requires.

use serde_json::Value;

use crate::init::CredentialStyle;

/// The credential style of one security scheme, or why it has none in a profile.
pub(super) fn style_of(name: &str, scheme: &Value) -> Result<CredentialStyle, String> {
    let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or("");
    match (text("type"), text("in")) {
        ("http", _) if text("scheme").eq_ignore_ascii_case("bearer") => Ok(CredentialStyle::Bearer),
        // The token is the whole header value: set it to `Basic base64(user:password)`.
        ("http", _) if text("scheme").eq_ignore_ascii_case("basic") => {
            Ok(CredentialStyle::Header("Authorization".into()))
        }
        // An apiKey named Authorization is a bearer token unless the spec says the value
        // has another form (`Token …`, `Basic …`).
        ("apiKey", "header") if text("name").eq_ignore_ascii_case("authorization") => {
            let description = text("description").to_ascii_lowercase();
            if ["token ", "basic ", "apikey ", "key "]
                .iter()
                .any(|prefix| {
                    description.contains(&format!("\"{prefix}"))
                        || description.contains(&format!("`{prefix}"))
                })
            {
                Ok(CredentialStyle::Header("Authorization".into()))
            } else {
                Ok(CredentialStyle::Bearer)
            }
        }
        ("apiKey", "header") => Ok(CredentialStyle::Header(
            Some(text("name"))
                .filter(|n| !n.is_empty())
                .unwrap_or("X-Api-Key")
                .to_string(),
        )),
        ("apiKey", "cookie") => Ok(CredentialStyle::Cookie(
            Some(text("name"))
                .filter(|n| !n.is_empty())
                .unwrap_or("session")
                .to_string(),
        )),
        ("oauth2", _) => Ok(
            match scheme
                .pointer("/flows/clientCredentials/tokenUrl")
                .and_then(Value::as_str)
            {
                Some(url) => CredentialStyle::ClientCredentials {
                    token_url: url.to_string(),
                },
                None => CredentialStyle::Bearer,
            },
        ),
        ("openIdConnect", _) => Ok(CredentialStyle::Bearer),
        (kind, place) => Err(format!(
            "security scheme `{name}` ({kind}{}) has no profile equivalent (a credential in the query string is what auth.token-in-url warns against): FILL IN by hand",
            if place.is_empty() {
                String::new()
            } else {
                format!(" in {place}")
            }
        )),
    }
}

/// The scheme names an operation (or the spec) requires; `None` when it states nothing,
/// `Some(empty)` when anonymous access is allowed.
pub(super) fn requirement(security: Option<&Value>) -> Option<Vec<String>> {
    let requirements = security?.as_array()?;
    if requirements.is_empty()
        || requirements
            .iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
    {
        return Some(Vec::new());
    }
    Some(
        requirements
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|r| r.keys().cloned())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_authorization_api_key_is_a_bearer_token_unless_said_otherwise() {
        let scheme = json!({"type": "apiKey", "in": "header", "name": "Authorization"});
        assert_eq!(style_of("t", &scheme), Ok(CredentialStyle::Bearer));
        let token = json!({"type": "apiKey", "in": "header", "name": "Authorization",
            "description": "Send `Token <key>`"});
        assert_eq!(
            style_of("t", &token),
            Ok(CredentialStyle::Header("Authorization".into()))
        );
        assert!(
            style_of(
                "q",
                &json!({"type": "apiKey", "in": "query", "name": "key"})
            )
            .is_err()
        );
        assert_eq!(requirement(Some(&json!([]))), Some(vec![]));
        assert_eq!(requirement(None), None);
    }
}

//! What init writes for the requests an attacker hammers (sign-in, sign-up, reset): which
//! fields carry the user and the password, who a burst signs in as, and which reset is the
//! request that mails a link rather than the one that spends it.

/// Whether a request of abuse `kind` with body `fields` spends a mailed link (a reset that
/// takes the token) rather than asking for one: its burst belongs on the request that
/// mails the link.
pub(crate) fn spends_the_link(kind: &str, fields: &[String]) -> bool {
    kind == "password-reset" && fields.iter().any(|f| f.eq_ignore_ascii_case("token"))
}

/// Field names a login form (or a sign-in mutation's arguments) uses for the user and the
/// password, in order of preference.
pub(crate) const USER_FIELDS: &[&str] = &[
    "email",
    "username",
    "login",
    "identifier",
    "identity",
    "user",
    "phone",
];
pub(crate) const PASSWORD_FIELDS: &[&str] = &["password", "pass", "passwd", "pwd"];

/// An identifier the app accepts, shaped like the first identity's own (an address at
/// its domain, or a plain name), for a burst that really tries a password: a validator
/// that rejects the shape would make every attempt a validation error, not a failed login.
pub fn burst_identifier(own: Option<&str>) -> String {
    match own {
        Some(own) if own.contains('@') => {
            let domain = own.rsplit('@').next().unwrap_or("example.com");
            format!("launch-audit-nobody@{domain}")
        }
        Some(own) if !own.is_empty() => "launch-audit-nobody".into(),
        _ => "launch-audit-nobody@example.com".into(),
    }
}

//! `[mail]`: where the app's mail is read (an IMAP mailbox, a mail catcher's API or a
//! directory), and how long a mail step waits for its message.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::profile::secret::Secret;
use crate::profile::validator::Validator;

/// How long a mail step waits for its message when `[mail] wait` is not given.
pub const DEFAULT_MAIL_WAIT: Duration = Duration::from_secs(15);
/// The longest `[mail] wait` accepted.
pub const MAX_MAIL_WAIT: Duration = Duration::from_secs(120);

/// `[mail]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMail {
    /// `imap://host:port` or `imaps://host:port`: a real inbox the app's mail reaches.
    pub imap: Option<Spanned<String>>,
    pub user: Option<Spanned<String>>,
    pub password: Option<Spanned<String>>,
    /// The IMAP folder (default `INBOX`).
    pub folder: Option<String>,
    /// A mail catcher's HTTP API (MailDev), for staging apps that send to one.
    pub catcher: Option<Spanned<String>>,
    /// A Maildir directory the app's mail is delivered into (relative to the profile).
    pub maildir: Option<Spanned<String>>,
    /// How long a mail step waits for its message (default 15s, at most 120s).
    pub wait: Option<Spanned<String>>,
    /// Domains links in the app's mail may point to (and their subdomains); default: the
    /// `[target] domain` and the hosts of base_url and the entry points.
    pub link_domains: Option<Vec<String>>,
    /// The dedicated transactional sender mail must come from (`no-reply@acme.com`).
    pub sender: Option<Spanned<String>>,
}

impl RawMail {
    /// Where the section says the mail is read, for pointing at it.
    pub fn place(&self) -> Option<&Spanned<String>> {
        self.imap
            .as_ref()
            .or(self.catcher.as_ref())
            .or(self.maildir.as_ref())
    }
}

/// Where the app's mail is read.
#[derive(Debug)]
pub enum MailSource {
    Imap {
        url: Url,
        user: Secret,
        password: Secret,
        folder: String,
    },
    /// MailDev's HTTP API (`GET /email`, `GET /email/{id}/source`).
    Catcher {
        url: Url,
    },
    Maildir {
        path: PathBuf,
    },
}

impl MailSource {
    /// For evidence: where messages were looked for (never a credential).
    pub fn describe(&self) -> String {
        match self {
            MailSource::Imap { url, folder, .. } => format!("IMAP {url} ({folder})"),
            MailSource::Catcher { url } => format!("the mail catcher at {url}"),
            MailSource::Maildir { path } => format!("the Maildir {}", path.display()),
        }
    }
}

/// `[mail]`, validated.
#[derive(Debug)]
pub struct Mail {
    pub source: MailSource,
    pub wait: Duration,
    /// Empty: the profile's own hosts (see [`RawMail::link_domains`]).
    pub link_domains: Vec<String>,
    pub sender: Option<String>,
}

impl Mail {
    /// The inbox's credentials: what the redactor must never let out.
    pub fn secrets(&self) -> Vec<&Secret> {
        match &self.source {
            MailSource::Imap { user, password, .. } => vec![user, password],
            _ => Vec::new(),
        }
    }
}

pub(crate) fn validate_mail(raw: RawMail, v: &mut Validator<'_>) -> Option<Mail> {
    let given = [
        raw.imap.is_some(),
        raw.catcher.is_some(),
        raw.maildir.is_some(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        v.error_without_place(
            "mail",
            "name exactly one place the app's mail is read: `imap`, `catcher` or `maildir`",
        );
        return None;
    }
    let source = if let Some(imap) = &raw.imap {
        let url = match Url::parse(imap.get_ref()) {
            Ok(url) if matches!(url.scheme(), "imap" | "imaps") && url.host_str().is_some() => url,
            _ => {
                v.blame(
                    imap,
                    "mail.imap",
                    "expected imap://host:port or imaps://host:port",
                );
                return None;
            }
        };
        let (Some(user), Some(password)) = (&raw.user, &raw.password) else {
            v.blame(
                imap,
                "mail.imap",
                "an IMAP inbox needs `user` and `password` (use ${VAR}s)",
            );
            return None;
        };
        MailSource::Imap {
            url,
            user: v.secret(user, "mail.user"),
            password: v.secret(password, "mail.password"),
            folder: raw.folder.clone().unwrap_or_else(|| "INBOX".into()),
        }
    } else if let Some(catcher) = &raw.catcher {
        match Url::parse(catcher.get_ref()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => MailSource::Catcher { url },
            _ => {
                v.blame(
                    catcher,
                    "mail.catcher",
                    "expected the catcher's HTTP API, such as http://127.0.0.1:1080",
                );
                return None;
            }
        }
    } else {
        let dir = raw.maildir.as_ref()?;
        MailSource::Maildir {
            path: v.base_dir().join(dir.get_ref()),
        }
    };
    let wait = match &raw.wait {
        None => DEFAULT_MAIL_WAIT,
        Some(wait) => match v.duration(wait, "mail.wait") {
            Some(d) if d > MAX_MAIL_WAIT => {
                v.blame(wait, "mail.wait", "at most 120s");
                MAX_MAIL_WAIT
            }
            Some(d) => d,
            None => DEFAULT_MAIL_WAIT,
        },
    };
    let sender = raw
        .sender
        .as_ref()
        .map(|s| s.get_ref().to_ascii_lowercase());
    if let (Some(written), Some(sender)) = (&raw.sender, &sender)
        && !sender.contains('@')
    {
        v.blame(
            written,
            "mail.sender",
            "expected an address such as no-reply@acme.com",
        );
    }
    Some(Mail {
        source,
        wait,
        link_domains: raw
            .link_domains
            .unwrap_or_default()
            .into_iter()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            .collect(),
        sender,
    })
}

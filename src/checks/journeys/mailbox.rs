//! Reading the app's real mail: an IMAP inbox (how a production test inbox is read), a
//! mail catcher's HTTP API (MailDev, for staging apps that send to one), or a Maildir the
//! app's mail is delivered into. Each answers one question: the messages addressed to an
//! address, whole and raw, so the DKIM check verifies the bytes that arrived.
//!
//! Bounded: at most [`MAX_MESSAGES`] messages of at most [`MAX_MESSAGE`] bytes are read
//! per look, and every network exchange is under the audit's timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;

use super::cfg::MailSource;
use crate::ctx::Ctx;
use crate::net::HttpRequest;

/// Messages read per look, at most (the newest are kept).
pub const MAX_MESSAGES: usize = 200;
/// Bytes of one message, at most: a transactional mail is a few kilobytes.
pub const MAX_MESSAGE: usize = 1024 * 1024;

/// One received message, as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// The mailbox's own id for it (IMAP UID, catcher id, Maildir file name).
    pub id: String,
    pub raw: Vec<u8>,
    /// What the receiving server recorded of the SMTP session beside the message, when it
    /// keeps that apart from the headers (a catcher's JSON); else the headers say it.
    pub envelope: Option<Envelope>,
}

/// The SMTP session a message came in: the client's address and the MAIL FROM.
#[derive(Clone, Debug, Default)]
pub struct Envelope {
    pub ip: Option<std::net::IpAddr>,
    pub mail_from: Option<String>,
}

/// Whether `raw`'s headers address it to `address`: `To`, `Cc` or `Delivered-To` name it.
pub fn addressed_to(raw: &[u8], address: &str) -> bool {
    let Some(message) = mail_parser::MessageParser::default().parse_headers(raw) else {
        return false;
    };
    let wanted = address.to_ascii_lowercase();
    let listed = |addr: Option<&mail_parser::Address>| {
        addr.is_some_and(|a| {
            a.iter()
                .any(|a| a.address().is_some_and(|x| x.eq_ignore_ascii_case(&wanted)))
        })
    };
    listed(message.to())
        || listed(message.cc())
        || message.header_values("Delivered-To").any(|v| {
            v.as_text()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(&wanted))
        })
}

/// The messages in the mailbox addressed to `address`, oldest first.
pub async fn messages_to(
    ctx: &Ctx,
    source: &MailSource,
    address: &str,
) -> Result<Vec<Received>, String> {
    let all = match source {
        MailSource::Maildir { path } => maildir(path)?,
        MailSource::Catcher { url } => return catcher(ctx, url, address).await,
        MailSource::Imap {
            url,
            user,
            password,
            folder,
        } => {
            let timeout = ctx.profile.network.timeout.max(Duration::from_secs(5));
            tokio::time::timeout(
                timeout,
                imap(ctx, url, user.expose(), password.expose(), folder, address),
            )
            .await
            .map_err(|_| {
                format!(
                    "the IMAP server did not answer within {}",
                    humantime::format_duration(timeout)
                )
            })?
            .map_err(|e| ctx.redactor.redact(&e))?
        }
    };
    Ok(all
        .into_iter()
        .filter(|m| addressed_to(&m.raw, address))
        .collect())
}

/// `new/` and `cur/`, in file-name order (delivery agents name files by time).
fn maildir(path: &std::path::Path) -> Result<Vec<Received>, String> {
    let mut files = Vec::new();
    for sub in ["new", "cur"] {
        let dir = path.join(sub);
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            if entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() as usize <= MAX_MESSAGE)
            {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    let skip = files.len().saturating_sub(MAX_MESSAGES);
    Ok(files
        .into_iter()
        .skip(skip)
        .filter_map(|file| {
            Some(Received {
                id: file.file_name()?.to_string_lossy().into_owned(),
                raw: std::fs::read(&file).ok()?,
                envelope: None,
            })
        })
        .collect())
}

/// Where a MailDev serves its API under the catcher's URL: MailDev 2 at the root, MailDev 3
/// under `api/`. Both list messages at `email` and give one as received at
/// `email/{id}/source`, with the same fields.
const CATCHER_APIS: [&str; 2] = ["", "api/"];

/// MailDev 2 or 3: `GET email` lists messages (with their recipients), `GET
/// email/{id}/source` gives one as received.
async fn catcher(ctx: &Ctx, url: &url::Url, address: &str) -> Result<Vec<Received>, String> {
    let mut answered = None;
    for api in CATCHER_APIS {
        let list_url = url
            .join(&format!("{api}email"))
            .map_err(|e| e.to_string())?;
        let listed = ctx
            .http
            .send(&HttpRequest::get(list_url.clone()))
            .await
            .map_err(|e| format!("{list_url}: {e}"))?;
        // MailDev 3 has no list at the root: a 404 there sends the reader under api/.
        if listed.status == 404 && api.is_empty() {
            continue;
        }
        answered = Some((api, list_url, listed));
        break;
    }
    let Some((api, list_url, listed)) = answered else {
        return Err(format!(
            "{url} serves no message list at email or api/email: is it MailDev (2 or 3)?"
        ));
    };
    if !listed.is_success() || listed.truncated {
        return Err(format!(
            "{list_url} answered {}: not a mail catcher's list",
            listed.status
        ));
    }
    let list: serde_json::Value = serde_json::from_slice(&listed.body)
        .map_err(|_| format!("{list_url} did not answer JSON: is it MailDev's API?"))?;
    let Some(list) = list.as_array() else {
        return Err(format!("{list_url} did not answer a list of messages"));
    };
    let wanted = address.to_ascii_lowercase();
    let mut found = Vec::new();
    for message in list.iter().rev().take(MAX_MESSAGES).rev() {
        let to_us = message["to"].as_array().is_some_and(|to| {
            to.iter().any(|t| {
                t["address"]
                    .as_str()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&wanted))
            })
        }) || message["envelope"]["to"].as_array().is_some_and(|to| {
            to.iter().any(|t| {
                t["address"]
                    .as_str()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&wanted))
            })
        });
        let Some(id) = message["id"].as_str().filter(|_| to_us) else {
            continue;
        };
        let source_url = url
            .join(&format!("{api}email/{id}/source"))
            .map_err(|e| e.to_string())?;
        let source = ctx
            .http
            .send(&HttpRequest::get(source_url.clone()))
            .await
            .map_err(|e| format!("{source_url}: {e}"))?;
        if !source.is_success() || source.truncated {
            return Err(format!(
                "{source_url} answered {}{}",
                source.status,
                if source.truncated {
                    ", cut at the body cap"
                } else {
                    ""
                }
            ));
        }
        let envelope = Envelope {
            ip: message["envelope"]["remoteAddress"]
                .as_str()
                .and_then(|ip| ip.trim_start_matches("::ffff:").parse().ok()),
            mail_from: message["envelope"]["from"]["address"]
                .as_str()
                .filter(|a| !a.is_empty())
                .map(str::to_ascii_lowercase),
        };
        found.push(Received {
            id: id.to_string(),
            raw: source.body,
            envelope: Some(envelope),
        });
    }
    Ok(found)
}

/// IMAP: log in, select the folder, `UID SEARCH TO`, fetch each match whole (`BODY.PEEK[]`,
/// which leaves it unread for the people who share the inbox), log out.
async fn imap(
    ctx: &Ctx,
    url: &url::Url,
    user: &str,
    password: &str,
    folder: &str,
    address: &str,
) -> Result<Vec<Received>, String> {
    let host = url.host_str().unwrap_or_default().to_string();
    let tls = url.scheme() == "imaps";
    let port = url.port().unwrap_or(if tls { 993 } else { 143 });
    let addr = resolve(ctx, &host, port).await?;
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("IMAP {host}:{port}: {e}"))?;
    if tls {
        let roots = crate::net::tls::trust_store(&ctx.profile)?;
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name =
            rustls_pki_types::ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
        let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("IMAP TLS with {host}:{port}: {e}"))?;
        session(
            async_imap::Client::new(stream),
            user,
            password,
            folder,
            address,
        )
        .await
    } else {
        session(
            async_imap::Client::new(tcp),
            user,
            password,
            folder,
            address,
        )
        .await
    }
}

async fn session<S>(
    mut client: async_imap::Client<S>,
    user: &str,
    password: &str,
    folder: &str,
    address: &str,
) -> Result<Vec<Received>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    client
        .read_response()
        .await
        .map_err(|e| format!("IMAP greeting: {e}"))?
        .ok_or("the IMAP server closed the connection before its greeting")?;
    let mut session = client
        .login(user, password)
        .await
        .map_err(|(e, _)| format!("IMAP login as the [mail] user was refused: {e}"))?;
    session
        .select(folder)
        .await
        .map_err(|e| format!("IMAP folder `{folder}`: {e}"))?;
    // Quoted, so an address cannot inject search keys; the profile's address has no quotes.
    let query = format!("TO \"{}\"", address.replace(['"', '\\'], ""));
    let mut uids: Vec<u32> = session
        .uid_search(&query)
        .await
        .map_err(|e| format!("IMAP search: {e}"))?
        .into_iter()
        .collect();
    uids.sort_unstable();
    let skip = uids.len().saturating_sub(MAX_MESSAGES);
    let uids: Vec<u32> = uids.into_iter().skip(skip).collect();
    let mut found = Vec::new();
    if !uids.is_empty() {
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetches: Vec<_> = session
            .uid_fetch(&set, "(UID RFC822.SIZE BODY.PEEK[])")
            .await
            .map_err(|e| format!("IMAP fetch: {e}"))?
            .try_collect()
            .await
            .map_err(|e| format!("IMAP fetch: {e}"))?;
        for fetch in fetches {
            if fetch.size.is_some_and(|s| s as usize > MAX_MESSAGE) {
                continue;
            }
            if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                found.push(Received {
                    id: uid.to_string(),
                    raw: body.to_vec(),
                    envelope: None,
                });
            }
        }
    }
    let _ = session.logout().await;
    Ok(found)
}

/// The IMAP host's address, through the audit's resolver (its nameservers apply).
async fn resolve(ctx: &Ctx, host: &str, port: u16) -> Result<SocketAddr, String> {
    match ctx.dns.lookup_ip(host).await {
        Ok(crate::net::dns::Lookup::Found(ips)) => Ok(SocketAddr::new(ips[0], port)),
        Ok(_) => Err(format!("IMAP host {host} has no address")),
        Err(e) => Err(format!("IMAP host {host}: {}", e.reason)),
    }
}

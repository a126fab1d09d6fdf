//! `[logs]`: where `logs.secrets` reads the app's logs. The family owns its section: the
//! serde shape as written, and its validation into [`Logs`].

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::profile::validator::Validator;

/// `[logs]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogs {
    /// Glob patterns of log files (`/var/log/nginx/*.log`), relative to the profile.
    #[serde(default)]
    pub files: Vec<Spanned<String>>,
    /// A shell command whose output is the logs (`docker logs app --since {since}`).
    pub command: Option<Spanned<String>>,
}

/// `[logs]`, validated.
#[derive(Clone, Debug)]
pub struct Logs {
    pub files: Vec<FileGlob>,
    pub command: Option<LogCommand>,
}

/// One `files` entry.
#[derive(Clone, Debug)]
pub struct FileGlob {
    /// As written in the profile: what evidence names.
    pub written: String,
    /// Anchored at the profile's directory.
    pub pattern: String,
}

/// `command`, with the placeholders it may use.
#[derive(Clone, Debug)]
pub struct LogCommand(pub String);

/// Placeholders a command may use: when the audit started, so it asks only for new lines.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "{since}",
        "the audit's start, RFC 3339 UTC (docker logs --since)",
    ),
    (
        "{since_unix}",
        "the audit's start, Unix seconds (journalctl --since @{since_unix})",
    ),
];

impl LogCommand {
    /// The command with its placeholders filled for an audit that started at `started`.
    pub fn filled(&self, started: std::time::SystemTime) -> String {
        let rfc3339 = humantime::format_rfc3339_seconds(started).to_string();
        let unix = started
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.0
            .replace("{since_unix}", &unix.to_string())
            .replace("{since}", &rfc3339)
    }
}

pub(crate) fn validate(raw: RawLogs, v: &mut Validator<'_>) -> Logs {
    let mut files = Vec::new();
    for (i, file) in raw.files.iter().enumerate() {
        let key = format!("logs.files[{i}]");
        let written = file.get_ref().trim();
        if written.is_empty() {
            v.blame(
                file,
                &key,
                "expected a path or glob such as `/var/log/nginx/*.log`",
            );
            continue;
        }
        let pattern = anchored(v.base_dir(), written);
        if let Err(error) = glob::Pattern::new(&pattern) {
            v.blame(file, &key, format!("not a glob pattern: {error}"));
            continue;
        }
        files.push(FileGlob {
            written: written.to_string(),
            pattern,
        });
    }
    let command = raw.command.as_ref().and_then(|command| {
        let text = command.get_ref().trim();
        if text.is_empty() {
            v.blame(command, "logs.command", "the command is empty");
            return None;
        }
        for (start, _) in text.match_indices('{') {
            let rest = &text[start..];
            let known = PLACEHOLDERS.iter().any(|(name, _)| rest.starts_with(name));
            // Shell `${VAR}` and `{a,b}` are the shell's business; only bare names are ours.
            let ours = rest
                .get(1..)
                .and_then(|r| r.split_once('}'))
                .is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
            if ours && !known && !text[..start].ends_with('$') {
                v.blame(
                    command,
                    "logs.command",
                    format!(
                        "unknown placeholder in `{text}`; the command may use {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|(name, _)| format!("`{name}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                return None;
            }
        }
        Some(LogCommand(text.to_string()))
    });
    if raw.files.is_empty() && raw.command.is_none() {
        // `[logs]` with nothing in it: say what goes there rather than audit nothing.
        v.error_without_place(
            "logs",
            "[logs] needs `files` (globs of log files) or `command` (whose output is the logs)",
        );
    }
    Logs { files, command }
}

/// A relative pattern starts at the profile's directory; glob syntax is kept as written.
fn anchored(base: &Path, pattern: &str) -> String {
    if Path::new(pattern).is_absolute() {
        pattern.to_string()
    } else {
        format!(
            "{}/{}",
            glob::Pattern::escape(&base.display().to_string()),
            pattern.trim_start_matches("./")
        )
    }
}

//! Reading the app's logs, bounded: only what was written since the audit started (file
//! lengths are marked when it starts), at most [`MAX_SOURCE_BYTES`] per source and
//! [`MAX_TOTAL_BYTES`] in all; a command gets [`COMMAND_TIMEOUT`].

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::io::AsyncReadExt;

use super::cfg::{LogCommand, Logs};

/// Bytes read from one file or one command's output, at most.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
/// Bytes read from all sources of one audit, at most.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// Files one glob may match, at most.
pub const MAX_FILES: usize = 50;
/// How long a `[logs] command` may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Newlines are counted in a file's older part to give true line numbers, up to this far.
const MAX_COUNTED_PREFIX: u64 = 256 * 1024 * 1024;

/// Where the logs stood when the audit started: each matching file's length, and the time.
#[derive(Debug)]
pub struct Marks {
    pub started: SystemTime,
    lengths: BTreeMap<PathBuf, u64>,
}

impl Marks {
    /// Marks every file the profile's globs match now.
    pub fn take(logs: Option<&Logs>) -> Marks {
        let mut lengths = BTreeMap::new();
        for glob in logs.iter().flat_map(|l| &l.files) {
            for path in matching(&glob.pattern).0 {
                if let Ok(meta) = std::fs::metadata(&path) {
                    lengths.insert(path, meta.len());
                }
            }
        }
        Marks {
            started: SystemTime::now(),
            lengths,
        }
    }
}

/// The files a pattern matches, sorted, at most [`MAX_FILES`]; and how many it left out.
fn matching(pattern: &str) -> (Vec<PathBuf>, usize) {
    let mut paths: Vec<PathBuf> = glob::glob(pattern)
        .map(|paths| paths.flatten().filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    paths.sort();
    let over = paths.len().saturating_sub(MAX_FILES);
    paths.truncate(MAX_FILES);
    (paths, over)
}

/// What one source gave: its new text and how to name its lines.
pub struct Source {
    /// `logs/access.log`, or `command` for the command's output.
    pub name: String,
    /// Text written since the audit started (lossy UTF-8), cut at the caps.
    pub text: String,
    /// The line number of the first line of `text`, when it is known.
    pub first_line: Option<usize>,
    /// Why the reading is partial or failed, if it is.
    pub problem: Option<Problem>,
}

pub enum Problem {
    /// Nothing could be read: an ERROR.
    Failed(String),
    /// Cut at a cap: what lies past it was not read.
    Capped(String),
}

/// Everything the profile's `[logs]` names, read now.
pub async fn read_all(logs: &Logs, marks: &Marks, base_dir: &Path) -> Vec<Source> {
    let mut budget = MAX_TOTAL_BYTES;
    let mut sources = Vec::new();
    for glob in &logs.files {
        let (paths, over) = matching(&glob.pattern);
        if paths.is_empty() {
            sources.push(Source {
                name: glob.written.clone(),
                text: String::new(),
                first_line: None,
                problem: Some(Problem::Failed(format!(
                    "no file matches `{}`",
                    glob.written
                ))),
            });
        }
        for path in paths {
            let source = read_file(&path, marks.lengths.get(&path).copied(), base_dir, budget);
            budget = budget.saturating_sub(source.text.len());
            sources.push(source);
        }
        if over > 0 {
            sources.push(Source {
                name: glob.written.clone(),
                text: String::new(),
                first_line: None,
                problem: Some(Problem::Capped(format!(
                    "{over} more file(s) match past the first {MAX_FILES}: not read"
                ))),
            });
        }
    }
    if let Some(command) = &logs.command {
        sources.push(run_command(command, marks.started, budget).await);
    }
    sources
}

/// A file from where it stood at the start (from its beginning if it is new, or was
/// rotated and is now shorter).
fn read_file(path: &Path, mark: Option<u64>, base_dir: &Path, budget: usize) -> Source {
    let name = path
        .strip_prefix(base_dir)
        .unwrap_or(path)
        .display()
        .to_string();
    let failed = |why: String| Source {
        name: name.clone(),
        text: String::new(),
        first_line: None,
        problem: Some(Problem::Failed(why)),
    };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) => return failed(format!("cannot open it: {error}")),
    };
    let length = file.metadata().map_or(0, |m| m.len());
    let start = match mark {
        Some(mark) if mark <= length => mark,
        _ => 0,
    };
    let first_line = (start <= MAX_COUNTED_PREFIX)
        .then(|| count_lines(&mut file, start))
        .flatten();
    if file.seek(SeekFrom::Start(start)).is_err() {
        return failed("cannot seek in it".into());
    }
    let cap = MAX_SOURCE_BYTES.min(budget);
    let mut bytes = Vec::new();
    if let Err(error) = file.by_ref().take(cap as u64).read_to_end(&mut bytes) {
        return failed(format!("cannot read it: {error}"));
    }
    let unread = length.saturating_sub(start + bytes.len() as u64);
    Source {
        name,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        first_line,
        problem: (unread > 0).then(|| {
            Problem::Capped(format!(
                "{unread} bytes past the first {} MiB written during the audit were not read",
                cap / 1024 / 1024
            ))
        }),
    }
}

/// Up to `cap` bytes of a pipe, then the rest drained unread, so the command never blocks
/// on a full pipe while its other stream is still being read.
async fn capped_read(
    mut pipe: impl tokio::io::AsyncRead + Unpin,
    cap: u64,
) -> std::io::Result<Vec<u8>> {
    let mut kept = Vec::new();
    (&mut pipe).take(cap).read_to_end(&mut kept).await?;
    tokio::io::copy(&mut pipe, &mut tokio::io::sink()).await?;
    Ok(kept)
}

/// The 1-based line number at byte `offset`.
fn count_lines(file: &mut std::fs::File, offset: u64) -> Option<usize> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut left = offset;
    let mut lines = 1;
    let mut buffer = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let read = file.read(&mut buffer[..want]).ok()?;
        if read == 0 {
            break;
        }
        lines += buffer[..read].iter().filter(|&&b| b == b'\n').count();
        left -= read as u64;
    }
    Some(lines)
}

/// The command's stdout and stderr (docker logs writes the app's stderr there), within
/// the time and byte caps.
async fn run_command(command: &LogCommand, started: SystemTime, budget: usize) -> Source {
    let filled = command.filled(started);
    let name = "command".to_string();
    let failed = |why: String| Source {
        name: name.clone(),
        text: String::new(),
        first_line: None,
        problem: Some(Problem::Failed(why)),
    };
    let mut child = match tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&filled)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(error) => return failed(format!("cannot start `sh -c`: {error}")),
    };
    let cap = MAX_SOURCE_BYTES.min(budget) as u64;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return failed("no output pipes".into());
    };
    let read = async {
        let (out, err) = tokio::join!(capped_read(stdout, cap), capped_read(stderr, cap));
        let status = child.wait().await;
        match (out, err, status) {
            (Ok(out), Ok(err), Ok(status)) => (Ok(status), out, err),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => (Err(e), Vec::new(), Vec::new()),
        }
    };
    match tokio::time::timeout(COMMAND_TIMEOUT, read).await {
        Err(_) => failed(format!(
            "did not finish within {}s (a command that follows the log, such as `tail -f`, never ends: ask for what is there)",
            COMMAND_TIMEOUT.as_secs()
        )),
        Ok((Err(error), _, _)) => failed(format!("reading its output failed: {error}")),
        Ok((Ok(status), mut out, err)) => {
            let capped = out.len() as u64 >= cap || err.len() as u64 >= cap;
            if !status.success() {
                let said = String::from_utf8_lossy(&err);
                let first = said.lines().next().unwrap_or("").trim().to_string();
                return failed(format!(
                    "exited with {}{}",
                    status
                        .code()
                        .map_or("a signal".into(), |c| format!("status {c}")),
                    if first.is_empty() {
                        String::new()
                    } else {
                        format!(": {first}")
                    }
                ));
            }
            if !out.is_empty() && !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            out.extend_from_slice(&err);
            Source {
                name,
                text: String::from_utf8_lossy(&out).into_owned(),
                first_line: Some(1),
                problem: capped.then(|| {
                    Problem::Capped(format!("its output was cut at {} MiB", cap / 1024 / 1024))
                }),
            }
        }
    }
}

//! The repository scanner behind `secrets.repository`: the secret rules of
//! `checks/rules/secrets.toml` applied to every blob reachable from every ref (each blob
//! read once, whatever number of commits share it) and to the working tree, through gix.
//!
//! Commits are visited parents first, so the commit a secret is credited to is the first
//! one whose tree holds it: where it was added. Trees already visited are not walked again,
//! which is what keeps 10,000 commits of a mostly unchanged tree cheap.
//!
//! Synchronous and CPU-bound: the check runs it on a blocking thread, with a deadline.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::secret_scan;

/// Blobs and files larger than this are not read (named in the result instead).
pub const MAX_BLOB_BYTES: u64 = 10 * 1024 * 1024;
/// Bytes looked at for a NUL to tell binary from text, as git does.
const BINARY_SNIFF: usize = 8000;
/// The file of accepted findings, at the repository's top level.
pub const IGNORE_FILE: &str = ".launch-audit-ignore";

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Walk the history too (the default); the working tree alone otherwise.
    pub history: bool,
    /// Give up (an error) once this instant passes.
    pub deadline: Instant,
}

/// Where a secret sits in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePos {
    pub path: String,
    pub line: usize,
    pub col: usize,
}

/// The commit that added a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Introduced {
    /// Full hex id.
    pub commit: String,
    /// Author date, `YYYY-MM-DD`.
    pub date: String,
    pub at: FilePos,
}

/// One secret value, wherever it appears.
#[derive(Clone, Debug)]
pub struct LeakedSecret {
    pub fingerprint: String,
    pub rule: String,
    pub what: String,
    pub masked: String,
    /// The first commit (parents first) whose tree holds it; `None` if never committed.
    pub introduced: Option<Introduced>,
    /// Where the working tree holds it now; `None` if only history does.
    pub worktree: Option<FilePos>,
    /// The reason from `.launch-audit-ignore`, when the fingerprint is listed there.
    pub ignored: Option<String>,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub refs: usize,
    pub commits: usize,
    pub blobs: usize,
    pub bytes: u64,
    pub binary_blobs: usize,
    /// Paths of blobs or files over [`MAX_BLOB_BYTES`], not read.
    pub too_large: Vec<String>,
    pub worktree_files: usize,
    /// A shallow clone: history beyond its boundary was not there to scan.
    pub shallow: bool,
    pub history_scanned: bool,
    pub secrets: Vec<LeakedSecret>,
    /// Lines of `.launch-audit-ignore` that were not honoured, and why.
    pub ignore_problems: Vec<String>,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: not a git repository ({reason})")]
    NotARepository { path: String, reason: String },
    #[error("{0}")]
    Git(String),
    #[error("gave up after {scanned} of {total} commits: the scan ran out of time")]
    OutOfTime { scanned: usize, total: usize },
}

fn git_error(what: &str, error: impl std::fmt::Display) -> ScanError {
    ScanError::Git(format!("{what}: {error}"))
}

/// Scans the repository at `path` (its top level or any directory in it).
pub fn scan(path: &Path, options: Options) -> Result<Scan, ScanError> {
    let started = Instant::now();
    let repo = gix::discover(path).map_err(|error| ScanError::NotARepository {
        path: path.display().to_string(),
        reason: error.to_string(),
    })?;
    let mut scan = Scan::default();
    let mut secrets = LeaksFound::default();
    if options.history {
        scan.history_scanned = true;
        scan.shallow = repo
            .is_shallow()
            .map_err(|e| git_error("shallow file", e))?;
        walk_history(&repo, options, &mut scan, &mut secrets)?;
    }
    if let Some(workdir) = repo.workdir() {
        walk_worktree(workdir, options, &mut scan, &mut secrets)?;
        let (ignores, problems) = read_ignore_file(&workdir.join(IGNORE_FILE));
        scan.ignore_problems = problems;
        for secret in secrets.by_fingerprint.values_mut() {
            secret.ignored = ignores.get(&secret.fingerprint).cloned();
        }
    }
    scan.secrets = secrets.into_sorted();
    scan.elapsed = started.elapsed();
    Ok(scan)
}

/// The leaked secrets found so far, one entry per fingerprint.
#[derive(Default)]
struct LeaksFound {
    by_fingerprint: HashMap<String, LeakedSecret>,
}

impl LeaksFound {
    fn entry(&mut self, hit: &secret_scan::Hit) -> &mut LeakedSecret {
        self.by_fingerprint
            .entry(hit.fingerprint.clone())
            .or_insert_with(|| LeakedSecret {
                fingerprint: hit.fingerprint.clone(),
                rule: hit.rule.clone(),
                what: hit.what.clone(),
                masked: hit.masked.clone(),
                introduced: None,
                worktree: None,
                ignored: None,
            })
    }

    /// Working-tree secrets first (they are live), then by the date they were added.
    fn into_sorted(self) -> Vec<LeakedSecret> {
        let mut list: Vec<LeakedSecret> = self.by_fingerprint.into_values().collect();
        list.sort_by(|a, b| {
            (
                a.worktree.is_none(),
                a.introduced.as_ref().map(|i| &i.date),
                &a.fingerprint,
            )
                .cmp(&(
                    b.worktree.is_none(),
                    b.introduced.as_ref().map(|i| &i.date),
                    &b.fingerprint,
                ))
        });
        list
    }
}

/// The secret hits in `bytes` that are findings (publishable keys are not), or `None` for
/// binary content.
fn findings(bytes: &[u8]) -> Option<Vec<secret_scan::Hit>> {
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    Some(
        secret_scan::scan(&text)
            .into_iter()
            .filter(|hit| !hit.public)
            .collect(),
    )
}

fn walk_history(
    repo: &gix::Repository,
    options: Options,
    scan: &mut Scan,
    secrets: &mut LeaksFound,
) -> Result<(), ScanError> {
    let commits = commits_parents_first(repo, scan)?;
    scan.commits = commits.len();
    let mut seen_trees: HashSet<ObjectId> = HashSet::new();
    let mut seen_blobs: HashSet<ObjectId> = HashSet::new();
    for (done, id) in commits.iter().enumerate() {
        if Instant::now() > options.deadline {
            return Err(ScanError::OutOfTime {
                scanned: done,
                total: commits.len(),
            });
        }
        let commit = repo
            .find_commit(*id)
            .map_err(|e| git_error(&format!("commit {id}"), e))?;
        let date = commit
            .author()
            .ok()
            .and_then(|author| author.time().ok())
            .map(|time| time.format_or_unix(gix::date::time::format::SHORT))
            .unwrap_or_default();
        let tree = commit
            .tree_id()
            .map_err(|e| git_error(&format!("commit {id}"), e))?
            .detach();
        // Depth-first over trees not seen in an earlier commit; a seen tree holds only
        // seen blobs.
        let mut stack: Vec<(ObjectId, String)> = vec![(tree, String::new())];
        while let Some((tree_id, prefix)) = stack.pop() {
            if !seen_trees.insert(tree_id) {
                continue;
            }
            let tree = repo
                .find_tree(tree_id)
                .map_err(|e| git_error(&format!("tree {tree_id}"), e))?;
            let decoded = tree
                .decode()
                .map_err(|e| git_error(&format!("tree {tree_id}"), e))?;
            for entry in &decoded.entries {
                let path = format!("{prefix}{}", entry.filename.to_str_lossy());
                if entry.mode.is_tree() {
                    stack.push((entry.oid.to_owned(), format!("{path}/")));
                } else if entry.mode.is_blob() && seen_blobs.insert(entry.oid.to_owned()) {
                    scan_blob(repo, entry.oid.to_owned(), &path, id, &date, scan, secrets)?;
                }
                // Symbolic links hold a path; submodules are another repository.
            }
        }
    }
    Ok(())
}

fn scan_blob(
    repo: &gix::Repository,
    blob: ObjectId,
    path: &str,
    commit: &ObjectId,
    date: &str,
    scan: &mut Scan,
    secrets: &mut LeaksFound,
) -> Result<(), ScanError> {
    let header = repo
        .find_header(blob)
        .map_err(|e| git_error(&format!("blob {blob} ({path})"), e))?;
    if header.size() > MAX_BLOB_BYTES {
        scan.too_large.push(path.to_string());
        return Ok(());
    }
    let object = repo
        .find_object(blob)
        .map_err(|e| git_error(&format!("blob {blob} ({path})"), e))?;
    scan.blobs += 1;
    scan.bytes += object.data.len() as u64;
    let Some(hits) = findings(&object.data) else {
        scan.binary_blobs += 1;
        return Ok(());
    };
    for hit in hits {
        let secret = secrets.entry(&hit);
        if secret.introduced.is_none() {
            secret.introduced = Some(Introduced {
                commit: commit.to_string(),
                date: date.to_string(),
                at: FilePos {
                    path: path.to_string(),
                    line: hit.line,
                    col: hit.col,
                },
            });
        }
    }
    Ok(())
}

/// Every commit reachable from every ref (branches, tags, remotes, stashes, HEAD), each
/// after all of its parents.
fn commits_parents_first(
    repo: &gix::Repository,
    scan: &mut Scan,
) -> Result<Vec<ObjectId>, ScanError> {
    let mut tips: Vec<ObjectId> = Vec::new();
    let platform = repo.references().map_err(|e| git_error("refs", e))?;
    for reference in platform.all().map_err(|e| git_error("refs", e))? {
        let Ok(mut reference) = reference else {
            continue;
        };
        scan.refs += 1;
        // A tag may name a tree or blob; only commits start a walk.
        if let Ok(commit) = reference.peel_to_commit() {
            tips.push(commit.id);
        }
    }
    if let Ok(head) = repo.head_commit() {
        tips.push(head.id);
    }
    tips.sort();
    tips.dedup();
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    let mut parents: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    let walk = repo
        .rev_walk(tips.iter().copied())
        .all()
        .map_err(|e| git_error("history", e))?;
    for info in walk {
        let info = info.map_err(|e| git_error("history", e))?;
        let ids = info.parent_ids().map(|p| p.detach()).collect();
        parents.insert(info.id, ids);
    }
    // Post-order depth-first: a commit is emitted once all its parents are.
    let mut order = Vec::with_capacity(parents.len());
    let mut emitted: HashSet<ObjectId> = HashSet::with_capacity(parents.len());
    for tip in tips {
        let mut stack = vec![(tip, false)];
        while let Some((id, expanded)) = stack.pop() {
            if emitted.contains(&id) {
                continue;
            }
            if expanded {
                emitted.insert(id);
                order.push(id);
                continue;
            }
            stack.push((id, true));
            for parent in parents.get(&id).into_iter().flatten() {
                // Parents beyond a shallow boundary are not in the map.
                if parents.contains_key(parent) && !emitted.contains(parent) {
                    stack.push((*parent, false));
                }
            }
        }
    }
    Ok(order)
}

/// The files a commit would take: `.gitignore`d files (a local `.env`) are not in the
/// repository and are left alone; hidden files are scanned.
fn walk_worktree(
    workdir: &Path,
    options: Options,
    scan: &mut Scan,
    secrets: &mut LeaksFound,
) -> Result<(), ScanError> {
    let walker = ignore::WalkBuilder::new(workdir)
        .hidden(false)
        .parents(false)
        .git_global(false)
        .require_git(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();
    for entry in walker {
        if Instant::now() > options.deadline {
            return Err(ScanError::OutOfTime {
                scanned: scan.commits,
                total: scan.commits,
            });
        }
        let Ok(entry) = entry else {
            continue;
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let relative = relative_path(workdir, entry.path());
        if entry.metadata().is_ok_and(|m| m.len() > MAX_BLOB_BYTES) {
            scan.too_large.push(relative);
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        scan.worktree_files += 1;
        for hit in findings(&bytes).unwrap_or_default() {
            let secret = secrets.entry(&hit);
            if secret.worktree.is_none() {
                secret.worktree = Some(FilePos {
                    path: relative.clone(),
                    line: hit.line,
                    col: hit.col,
                });
            }
        }
    }
    Ok(())
}

fn relative_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(PathBuf::from)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .replace('\\', "/")
}

/// `.launch-audit-ignore`: one `fingerprint reason…` per line, `#` comments. A line
/// without a reason is not honoured: accepting a leaked secret needs a why.
fn read_ignore_file(path: &Path) -> (HashMap<String, String>, Vec<String>) {
    let mut ignores = HashMap::new();
    let mut problems = Vec::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return (ignores, problems);
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (fingerprint, reason) = line
            .split_once(char::is_whitespace)
            .map(|(f, r)| (f, r.trim()))
            .unwrap_or((line, ""));
        if !fingerprint.contains('@') {
            problems.push(format!(
                "{IGNORE_FILE}:{}: `{fingerprint}` is not a fingerprint (rule@hex, as the report shows)",
                number + 1
            ));
        } else if reason.is_empty() {
            problems.push(format!(
                "{IGNORE_FILE}:{}: {fingerprint} has no reason, so it is not honoured",
                number + 1
            ));
        } else {
            ignores.insert(fingerprint.to_string(), reason.to_string());
        }
    }
    (ignores, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_lines_need_a_fingerprint_and_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(IGNORE_FILE);
        std::fs::write(
            &path,
            "# accepted\nstripe-secret-key@0011223344556677  test key, revoked\naws-access-key-id@8899aabbccddeeff\nnonsense reason\n",
        )
        .unwrap();
        let (ignores, problems) = read_ignore_file(&path);
        assert_eq!(
            ignores
                .get("stripe-secret-key@0011223344556677")
                .map(String::as_str),
            Some("test key, revoked")
        );
        assert_eq!(ignores.len(), 1);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains(":3:") && problems[0].contains("no reason"));
    }

    #[test]
    fn binary_content_is_not_scanned() {
        assert!(findings(b"\0\x01AKIAABCDEFGHIJKLMNOP").is_none());
        assert_eq!(findings(b"key = AKIAABCDEFGHIJKLMNOP").unwrap().len(), 1);
    }
}

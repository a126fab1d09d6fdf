//! `secrets.repository`: no secret in the working tree or anywhere in the git history of
//! the repository the profile names (`[source] path`). The scan itself is
//! `super::repo_scan`; this turns what it found into observations.

use std::time::{Duration, Instant};

use super::repo_scan::{self, IGNORE_FILE, LeakedSecret, Scan};
use crate::check::{Applicability, Check, CheckFuture};
use crate::ctx::Ctx;
use crate::profile::Profile;
use crate::result::{EvidenceTable, Finding, Observation, Status};

pub struct Repository;

/// Left for turning the scan's result into a finding before the check's own timeout.
const DEADLINE_MARGIN: Duration = Duration::from_millis(250);

impl Check for Repository {
    fn id(&self) -> &str {
        "secrets.repository"
    }

    fn applies(&self, profile: &Profile) -> Applicability {
        match &profile.repository {
            Some(_) => Applicability::Run,
            None => Applicability::Skip {
                key: "source.path",
                reason: "no [source] path: the repository and its history are not scanned".into(),
            },
        }
    }

    fn run<'a>(&'a self, ctx: &'a Ctx) -> CheckFuture<'a> {
        Box::pin(async move {
            let Some(source) = ctx.profile.repository.clone() else {
                return Finding::error("no [source] path");
            };
            let options = repo_scan::Options {
                history: source.history,
                deadline: Instant::now()
                    + ctx
                        .profile
                        .network
                        .check_timeout
                        .saturating_sub(DEADLINE_MARGIN),
            };
            let path = source.path.clone();
            match tokio::task::spawn_blocking(move || repo_scan::scan(&path, options)).await {
                Ok(Ok(scan)) => finding(&scan),
                Ok(Err(error)) => Finding::error(error.to_string()),
                Err(error) => Finding::error(format!("the repository scan stopped: {error}")),
            }
        })
    }
}

fn finding(scan: &Scan) -> Finding {
    if scan.commits == 0 && scan.worktree_files == 0 {
        // An unborn repository with an empty tree: there is nothing to vouch for.
        return Finding::error("the repository has no commit and no file to scan");
    }
    let mut observations = Vec::new();
    let mut rows = Vec::new();
    for secret in &scan.secrets {
        let (observation, state) = observe(secret);
        rows.push(vec![
            observation.subject.clone(),
            secret
                .introduced
                .as_ref()
                .map(|i| format!("{} ({})", short(&i.commit), i.date))
                .unwrap_or_else(|| "not committed".into()),
            secret.rule.clone(),
            secret.masked.clone(),
            secret.fingerprint.clone(),
            state.into(),
        ]);
        observations.push(observation);
    }
    for problem in &scan.ignore_problems {
        observations.push(Observation::new(Status::Warn, IGNORE_FILE, problem.clone()));
    }
    if scan.shallow {
        observations.push(Observation::new(
            Status::Warn,
            "history",
            "a shallow clone: commits beyond its boundary were not there to scan — run on a full clone (`git fetch --unshallow`)",
        ));
    }
    if !scan.history_scanned {
        observations.push(Observation::new(
            Status::Warn,
            "history",
            "not scanned (`source.history = false`): a secret deleted from the tree would still be in it",
        ));
    }
    if !scan.too_large.is_empty() {
        observations.push(Observation::new(
            Status::Pass,
            "not scanned",
            format!(
                "{} file(s) over {} MiB, e.g. {}",
                scan.too_large.len(),
                repo_scan::MAX_BLOB_BYTES / (1024 * 1024),
                scan.too_large[0]
            ),
        ));
    }
    let live = scan.secrets.iter().filter(|s| s.ignored.is_none()).count();
    let history = if scan.history_scanned {
        format!(
            "{} commit(s) from {} ref(s): {} blob(s), {} KiB ({} binary), each read once; ",
            scan.commits,
            scan.refs,
            scan.blobs,
            scan.bytes.div_ceil(1024),
            scan.binary_blobs,
        )
    } else {
        String::new()
    };
    observations.push(Observation::new(
        if live == 0 { Status::Pass } else { Status::Fail },
        "scanned",
        format!(
            "{history}{} working-tree file(s); {} secret(s) found, {} ignored by {IGNORE_FILE}; {} ms",
            scan.worktree_files,
            live,
            scan.secrets.len() - live,
            scan.elapsed.as_millis()
        ),
    ));
    let mut finding = Finding::from_observations(observations);
    if !rows.is_empty() {
        finding = finding.with_table(EvidenceTable {
            title: "Secrets in the repository".into(),
            columns: [
                "where",
                "added in",
                "rule",
                "excerpt",
                "fingerprint",
                "state",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
    }
    finding
}

/// One secret as an observation, and its state in a word or two.
fn observe(secret: &LeakedSecret) -> (Observation, &'static str) {
    let name = format!(
        "{} {} ({}, fingerprint {})",
        secret.what, secret.masked, secret.rule, secret.fingerprint
    );
    let added = secret.introduced.as_ref().map(|i| {
        format!(
            "added in commit {} ({}) as {}",
            short(&i.commit),
            i.date,
            i.at.path
        )
    });
    if let Some(reason) = &secret.ignored {
        let place = secret
            .worktree
            .as_ref()
            .map(|w| w.path.clone())
            .or_else(|| secret.introduced.as_ref().map(|i| i.at.path.clone()))
            .unwrap_or_default();
        return (
            Observation::new(
                Status::Pass,
                place,
                format!("{name}: ignored by {IGNORE_FILE}: {reason}"),
            ),
            "ignored",
        );
    }
    match (&secret.worktree, added) {
        (Some(at), added) => (
            Observation::new(
                Status::Fail,
                format!("{}:{}:{}", at.path, at.line, at.col),
                format!(
                    "{name} in the working tree{} — move it to a secret store and rotate it",
                    added
                        .map(|a| format!("; {a}"))
                        .unwrap_or_else(|| ", not committed yet".into())
                ),
            ),
            "in the working tree",
        ),
        (None, Some(added)) => {
            let at = secret.introduced.as_ref().map(|i| &i.at);
            (
                Observation::new(
                    Status::Fail,
                    at.map(|a| format!("{}:{}:{}", a.path, a.line, a.col))
                        .unwrap_or_default(),
                    format!(
                        "{name} {added}; not in the working tree, but in the history — rotate it: deleting it from history does not un-leak it"
                    ),
                ),
                "history only",
            )
        }
        (None, None) => (
            Observation::new(Status::Error, "", format!("{name}: found nowhere")),
            "",
        ),
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

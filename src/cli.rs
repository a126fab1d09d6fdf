//! Command-line arguments (clap derive). What they mean lives in `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::decision::FailOn;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "launch-audit",
    version,
    about = "Tells whether a web app or API is safe to put in front of its first customers.",
    long_about = "Tells whether a web app or API is safe to put in front of its first customers.\n\n\
        Reads a target profile (TOML), runs its checks concurrently against the target, prints a \
        scorecard and a launch decision: READY, NOT READY (problems found) or NOT VERIFIED (no \
        problem found, but something critical could not be checked).\n\n\
        Exit codes: 0 ready, 1 not ready or not verified, 2 usage or profile error (nothing \
        was sent).",
    after_help = "New here? `launch-audit demo` audits a bundled loopback target; \
        `launch-audit explain ID` tells what a check looks for."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the target a profile describes.
    Run(RunArgs),
    /// After a deploy: log in, walk every [[journeys]] flow, ask the health endpoint, and
    /// nothing else. Exit 0 when all of them ran and passed, 1 when one did not, 2 for bad
    /// usage or a profile without journeys.
    Smoke(RunArgs),
    /// Parse and check a profile, resolve its ${VAR}s, show what would run. Sends nothing
    /// (but the logins, with --login).
    Validate {
        /// The target profile.
        #[arg(
            short = 'c',
            long = "config",
            default_value = "audit.toml",
            value_name = "FILE"
        )]
        config: PathBuf,
        /// Perform the identities' logins, and only those: which identities work? Exit 1
        /// when one fails.
        #[arg(long)]
        login: bool,
    },
    /// List every check: id, severity, title.
    Checks,
    /// Explain one check: pass criterion, why it matters, what breaks, how to fix.
    Explain {
        /// A check id, e.g. headers.security.
        id: String,
    },
    /// Start the bundled loopback target (HTTP, HTTPS, DNS) and audit it.
    Demo(DemoArgs),
    /// Write a commented starter profile from what a URL shows and its pages' scripts call
    /// (--url) and/or an OpenAPI 3 or Swagger 2.0 spec (--openapi, a file or a URL); with
    /// --probe and two
    /// logins in the environment, one that validates as written.
    Init(InitArgs),
    /// Export the profile's latency scenario for another tool (k6), to take the load beyond
    /// one machine. Credentials are read from the environment by the script, never written.
    Export {
        /// What to export.
        #[arg(value_enum)]
        what: ExportKind,
        /// The target profile.
        #[arg(
            short = 'c',
            long = "config",
            default_value = "audit.toml",
            value_name = "FILE"
        )]
        config: PathBuf,
        /// Write here instead of standard output.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Re-render a saved JSON run in other formats, without touching the target. The exit
    /// status is the saved decision's.
    Report(ReportArgs),
    /// Print a shell completion script, e.g. `launch-audit completions bash >
    /// /etc/bash_completion.d/launch-audit`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `launch-audit man > launch-audit.1`.
    Man,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["url", "openapi"])))]
pub struct InitArgs {
    /// Probe this URL (the app's base URL): entry points, https, canonical, CORS, health, and
    /// the routes, login and bursts its pages' scripts call.
    #[arg(long, value_name = "URL")]
    pub url: Option<url::Url>,
    /// Fill [[routes]] and identities from this OpenAPI 3 or Swagger 2.0 document (JSON or
    /// YAML): a file,
    /// or an http(s) URL the app serves it at.
    #[arg(long, value_name = "SPEC")]
    pub openapi: Option<String>,
    /// The GraphQL schema's SDL (a file), for the endpoint --url serves: where the server
    /// refuses introspection, init otherwise knows only the fields common names recover.
    #[arg(long, value_name = "FILE", requires = "url")]
    pub graphql_schema: Option<PathBuf>,
    /// Measure instead of guessing: log in as the two identities (ALICE_USER,
    /// ALICE_PASSWORD, MALLORY_USER, MALLORY_PASSWORD, or the ${VARIABLES} the profile
    /// names), read a served spec again as each, ask each safe route anonymously and as an
    /// identity, and fill each tenant's ids from what it is told about itself and lists.
    #[arg(long)]
    pub probe: bool,
    /// Where to write the profile.
    #[arg(
        short = 'o',
        long = "out",
        default_value = "audit.toml",
        value_name = "FILE"
    )]
    pub out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Resolve through this nameserver (repeatable; written to [network]).
    #[arg(long, value_name = "IP:PORT")]
    pub nameserver: Vec<String>,
    /// Trust this extra CA (PEM; written to [network] ca_file).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// What `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    /// A k6 script with the latency.p95 scenario (constant-arrival-rate, thresholds).
    K6,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A JSON report written by `run --format json --out FILE`.
    #[arg(long, value_name = "RUN.json")]
    pub from: PathBuf,
    #[command(flatten)]
    pub outputs: OutputArgs,
    /// No colours in the table.
    #[arg(long)]
    pub no_color: bool,
    /// Print every observation under the table.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target profile.
    #[arg(
        short = 'c',
        long = "config",
        default_value = "audit.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Audit the hardened target (passes every check) instead of the vulnerable one.
    #[arg(long)]
    pub hardened: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
}

/// Where reports go, for `run`, `demo` and `report` alike (paired by `pair_outputs`).
#[derive(Clone, Debug, Args)]
pub struct OutputArgs {
    /// Output format (repeatable). Each --out FILE given after a --format writes that
    /// format to FILE; a format without --out goes to standard output.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,
    /// Write the preceding --format to FILE (repeatable).
    #[arg(long, value_name = "FILE")]
    pub out: Vec<PathBuf>,
}

/// What `run` and `demo` share: which checks, which outputs, what fails the run.
#[derive(Clone, Debug, Args)]
pub struct AuditArgs {
    /// Run only this check id or family (repeatable).
    #[arg(long, value_name = "ID|FAMILY")]
    pub only: Vec<String>,
    /// Leave out this check id or family (repeatable). A critical or high check left out
    /// still blocks READY: it did not run.
    #[arg(long, value_name = "ID|FAMILY")]
    pub skip: Vec<String>,
    #[command(flatten)]
    pub outputs: OutputArgs,
    /// Let write probes (cross-tenant writes on routes with `allow_writes = true`) run
    /// against a target whose profile says `environment = "production"`.
    #[arg(long)]
    pub allow_production_writes: bool,
    /// Let traffic-heavy probes (rate-limit bursts, the latency load, AI endpoint probes)
    /// run against a target whose profile says `environment = "production"`.
    #[arg(long)]
    pub allow_production_load: bool,
    /// A previous JSON report: mark each finding new or known (see --fail-on new).
    #[arg(long, value_name = "RUN.json")]
    pub baseline: Option<PathBuf>,
    /// Which statuses make the run NOT READY.
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
    /// No colours (also: NO_COLOR set in the environment, or output not a terminal).
    #[arg(long)]
    pub no_color: bool,
    /// Print only the decision and what blocks it.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every observation under the table.
    #[arg(short, long)]
    pub verbose: bool,
}

/// One destination of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputTarget {
    pub format: Format,
    /// `None`: standard output.
    pub path: Option<PathBuf>,
}

/// Pairs each `--out` with the `--format` before it, from their positions on the command
/// line. No `--format` at all means the table on standard output; when every format
/// goes to a file, the table still goes to standard output.
pub fn pair_outputs(
    formats: &[(usize, Format)],
    outs: &[(usize, PathBuf)],
) -> Result<Vec<OutputTarget>, String> {
    let mut targets: Vec<(usize, OutputTarget)> = formats
        .iter()
        .map(|(index, format)| {
            (
                *index,
                OutputTarget {
                    format: *format,
                    path: None,
                },
            )
        })
        .collect();
    for (out_index, path) in outs {
        let owner = targets
            .iter_mut()
            .rev()
            .find(|(index, _)| index < out_index);
        match owner {
            Some((_, target)) if target.path.is_none() => target.path = Some(path.clone()),
            Some((_, target)) => {
                return Err(format!(
                    "--out {} follows --format {:?}, which already has --out {}: give each file its own --format",
                    path.display(),
                    target.format,
                    target
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ));
            }
            None => {
                return Err(format!(
                    "--out {} must follow the --format it writes",
                    path.display()
                ));
            }
        }
    }
    let mut targets: Vec<OutputTarget> = targets.into_iter().map(|(_, target)| target).collect();
    let to_stdout = targets.iter().filter(|t| t.path.is_none()).count();
    if to_stdout > 1 {
        return Err(
            "only one --format can go to standard output: give the others --out FILE".into(),
        );
    }
    if to_stdout == 0 {
        targets.insert(
            0,
            OutputTarget {
                format: Format::Table,
                path: None,
            },
        );
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outs_pair_with_the_preceding_format() {
        let targets = pair_outputs(
            &[(1, Format::Json), (5, Format::Table)],
            &[(3, PathBuf::from("run.json"))],
        )
        .unwrap();
        assert_eq!(
            targets,
            [
                OutputTarget {
                    format: Format::Json,
                    path: Some("run.json".into())
                },
                OutputTarget {
                    format: Format::Table,
                    path: None
                },
            ]
        );
    }

    #[test]
    fn table_goes_to_stdout_by_default_and_when_all_formats_go_to_files() {
        assert_eq!(
            pair_outputs(&[], &[]).unwrap(),
            [OutputTarget {
                format: Format::Table,
                path: None
            }]
        );
        let targets = pair_outputs(&[(1, Format::Json)], &[(3, "r.json".into())]).unwrap();
        assert_eq!(
            targets[0],
            OutputTarget {
                format: Format::Table,
                path: None
            }
        );
    }

    #[test]
    fn misplaced_outs_and_two_stdout_formats_are_usage_errors() {
        assert!(pair_outputs(&[(3, Format::Json)], &[(1, "x".into())]).is_err());
        assert!(pair_outputs(&[(1, Format::Json)], &[(3, "a".into()), (5, "b".into())]).is_err());
        assert!(pair_outputs(&[(1, Format::Json), (3, Format::Table)], &[]).is_err());
    }
}

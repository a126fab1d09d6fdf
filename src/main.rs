//! The `launch-audit` binary: arguments in, exit status out (0 ready, 1 not ready,
//! 2 usage or profile error). Everything else lives in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use launch_audit::cli::{self, Cli, Command, OutputTarget};
use launch_audit::commands::{self, Exit, Terminal};
use launch_audit::report::Format;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let terminal = Terminal {
        stdout_is_tty: std::io::stdout().is_terminal(),
        stderr_is_tty: std::io::stderr().is_terminal(),
        no_color_env: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    };
    let env = |name: &str| std::env::var(name).ok();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    let sub_matches = matches.subcommand().map(|(_, m)| m);
    let result = match &cli.command {
        Command::Run(args) => outputs(sub_matches).and_then(|outputs| {
            commands::run(
                &args.config,
                &args.audit,
                &outputs,
                terminal,
                &env,
                &mut stdout,
                &mut stderr,
            )
            .map_err(|e| e.to_string())
        }),
        Command::Smoke(args) => outputs(sub_matches).and_then(|outputs| {
            commands::smoke(
                &args.config,
                &args.audit,
                &outputs,
                terminal,
                &env,
                &mut stdout,
                &mut stderr,
            )
            .map_err(|e| e.to_string())
        }),
        Command::Demo(args) => outputs(sub_matches).and_then(|outputs| {
            commands::demo(
                args.hardened,
                &args.audit,
                &outputs,
                terminal,
                &mut stdout,
                &mut stderr,
            )
            .map_err(|e| e.to_string())
        }),
        Command::Validate { config, login } => {
            commands::validate(config, *login, &env, &mut stdout, &mut stderr)
                .map_err(|e| e.to_string())
        }
        Command::Export { what, config, out } => commands::export(
            *what,
            config,
            out.as_deref(),
            &env,
            &mut stdout,
            &mut stderr,
        )
        .map_err(|e| e.to_string()),
        Command::Init(args) => {
            commands::init(args, &mut stdout, &mut stderr).map_err(|e| e.to_string())
        }
        Command::Report(args) => outputs(sub_matches).and_then(|outputs| {
            commands::report(args, &outputs, terminal, &mut stdout, &mut stderr)
                .map_err(|e| e.to_string())
        }),
        Command::Checks => commands::list_checks(&mut stdout).map_err(|e| e.to_string()),
        Command::Explain { id } => {
            commands::explain(id, &mut stdout, &mut stderr).map_err(|e| e.to_string())
        }
        // Both generated from the clap definitions, so they never drift from the parser.
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics on a write error (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "launch-audit", &mut script);
            stdout
                .write_all(&script)
                .map(|()| Exit::Ready)
                .map_err(|e| e.to_string())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut stdout)
            .map(|()| Exit::Ready)
            .map_err(|e| e.to_string()),
    };
    let _ = stdout.flush();
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        // A closed pipe (`| head`) is the reader's choice, not a failure of the audit.
        Err(error) if error.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(stderr, "error: {error}");
            ExitCode::from(Exit::Usage as u8)
        }
    }
}

/// The report destinations, from the positions of --format and --out on the command line.
fn outputs(matches: Option<&clap::ArgMatches>) -> Result<Vec<OutputTarget>, String> {
    let Some(matches) = matches else {
        return cli::pair_outputs(&[], &[]);
    };
    let formats: Vec<(usize, Format)> = match (
        matches.indices_of("format"),
        matches.get_many::<Format>("format"),
    ) {
        (Some(indices), Some(values)) => indices.zip(values.copied()).collect(),
        _ => Vec::new(),
    };
    let outs: Vec<(usize, PathBuf)> = match (
        matches.indices_of("out"),
        matches.get_many::<PathBuf>("out"),
    ) {
        (Some(indices), Some(values)) => indices.zip(values.cloned()).collect(),
        _ => Vec::new(),
    };
    cli::pair_outputs(&formats, &outs)
}

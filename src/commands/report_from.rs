//! `report --from RUN.json`: a saved run re-rendered, without touching the target.

use super::*;

/// `report --from`: re-render a saved run; no network, the saved decision's exit status.
pub fn report(
    args: &crate::cli::ReportArgs,
    outputs: &[OutputTarget],
    terminal: Terminal,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    let run = match read_run(&args.from) {
        Ok(run) => run,
        Err(error) => {
            writeln!(stderr, "error: --from {}: {error}", args.from.display())?;
            return Ok(Exit::Usage);
        }
    };
    let Some(files) = open_files(outputs, stderr)? else {
        return Ok(Exit::Usage);
    };
    let style = table_style(terminal, args.no_color, false, args.verbose);
    write_reports(&run, outputs, files, style, stdout)
}

//! `init`: a starter profile from a URL and/or an OpenAPI spec.

use super::*;

/// `init`: a starter profile from a URL and/or an OpenAPI spec, never overwriting one
/// unless asked.
pub fn init(
    args: &crate::cli::InitArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<Exit> {
    if args.out.exists() && !args.force {
        writeln!(
            stderr,
            "error: {} exists; choose another --out or add --force",
            args.out.display()
        )?;
        return Ok(Exit::Usage);
    }
    let mut starter = crate::init::Starter::default();
    let mut sources = Vec::new();
    let ca_file = args.ca_file.as_ref().map(|p| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    });
    // The [network] the user gave is the one init's own requests and the profile use.
    starter.nameservers = args.nameserver.clone();
    starter.ca_file = ca_file.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(spec) = &args.openapi {
        let document = match url::Url::parse(spec) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => runtime.block_on(
                crate::init::openapi::fetch(&url, &args.nameserver, ca_file.as_deref()),
            ),
            _ => crate::init::openapi::load(std::path::Path::new(spec)),
        };
        let applied = document.and_then(|spec| crate::init::openapi::apply(&spec, &mut starter));
        if let Err(error) = applied {
            writeln!(stderr, "error: --openapi {spec}: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push(format!("--openapi {spec}"));
    }
    if let Some(url) = &args.url {
        let probed = runtime.block_on(crate::init::site::apply(
            url,
            &args.nameserver,
            ca_file.as_deref(),
            &mut starter,
        ));
        if let Err(error) = probed {
            writeln!(stderr, "error: --url {url}: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push(format!("--url {url}"));
    }
    if args.probe {
        if let Err(error) = runtime.block_on(crate::init::measure::apply(&mut starter)) {
            writeln!(stderr, "error: --probe: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push("--probe".into());
    }
    if starter.name.is_empty() {
        starter.name = "FILL IN".into();
    }
    let text = starter.render(&format!("init {}", sources.join(" ")));
    std::fs::write(&args.out, &text)?;
    let fill_in = text.matches("FILL IN").count();
    writeln!(
        stdout,
        "wrote {}: {} route(s), {} FILL IN marker(s){}",
        args.out.display(),
        starter.routes.len(),
        fill_in,
        if starter.notes.is_empty() {
            String::new()
        } else {
            format!("\n  note: {}", starter.notes.join("\n  note: "))
        }
    )?;
    writeln!(
        stdout,
        "next: fill them in, then `launch-audit validate -c {}`",
        args.out.display()
    )?;
    Ok(Exit::Ready)
}

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
    // A burst's identifier is shaped like the first identity's own login name.
    starter.own_user = std::env::var("ALICE_USER").ok();
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
        let served = url::Url::parse(spec)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        // Known before the spec is read: a Swagger 2.0 host without schemes is reached
        // with the scheme the document was fetched with.
        starter.spec_url = served.clone();
        let applied = document.and_then(|spec| crate::init::openapi::apply(&spec, &mut starter));
        if let Some(served) = served {
            // A spec the app serves whose servers name no host is served by that app: its
            // origin is base_url, and a relative server path (`/api`) leads every route.
            if starter.base_url.is_none() && args.url.is_none() {
                starter.base_url = Some(served.origin().ascii_serialization());
            }
            starter.spec_url = Some(served);
        }
        if let Err(error) = applied {
            writeln!(stderr, "error: --openapi {spec}: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push(format!("--openapi {spec}"));
    }
    // Read before anything is asked: a schema that does not parse is bad usage.
    if let Some(schema) = &args.graphql_schema {
        match crate::init::graphql::load_sdl(schema) {
            Ok(read) => starter.graphql_schema = Some(read),
            Err(error) => {
                writeln!(
                    stderr,
                    "error: --graphql-schema {}: {error}",
                    schema.display()
                )?;
                return Ok(Exit::Usage);
            }
        }
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
    if let Some(schema) = &args.graphql_schema {
        if starter.graphql.is_empty() {
            writeln!(
                stderr,
                "error: --graphql-schema {}: no GraphQL endpoint was found at --url (nothing the pages ship names one, and no usual path answered {{__typename}}): point --url at the endpoint",
                schema.display()
            )?;
            return Ok(Exit::Usage);
        }
        sources.push(format!("--graphql-schema {}", schema.display()));
    }
    // A service key the user exported lets the insert probes run (and undo what they make).
    if let Some(baas) = starter.baas.as_mut() {
        baas.service_key_exported = std::env::var_os(baas.service_key_var()).is_some();
    }
    if args.probe {
        if let Err(error) = runtime.block_on(crate::init::measure::apply(&mut starter)) {
            writeln!(stderr, "error: --probe: {error}")?;
            return Ok(Exit::Usage);
        }
        sources.push("--probe".into());
    }
    if starter.name.is_empty() {
        starter.name = "app".into();
        starter
            .notes
            .push("nothing named the app: `name` is \"app\", change it as you like".into());
    }
    let text = starter.render(&format!("init {}", sources.join(" ")));
    std::fs::write(&args.out, &text)?;
    // FILL IN in a comment is advice; in a value it blocks `validate` (only base_url, when
    // nothing named one).
    let (in_values, in_comments) = text.lines().fold((0, 0), |(values, comments), line| {
        let code = line.split('#').next().unwrap_or("");
        if code.contains("FILL IN") {
            (values + 1, comments)
        } else if line.contains("FILL IN") {
            (values, comments + 1)
        } else {
            (values, comments)
        }
    });
    writeln!(
        stdout,
        "wrote {}: {} route(s), {in_comments} FILL IN suggestion(s) in comments{}{}",
        args.out.display(),
        starter.routes.len(),
        if in_values > 0 {
            format!(", {in_values} value(s) to fill in before it runs")
        } else {
            String::new()
        },
        if starter.notes.is_empty() {
            String::new()
        } else {
            format!("\n  note: {}", starter.notes.join("\n  note: "))
        }
    )?;
    writeln!(
        stdout,
        "next: `launch-audit validate -c {}` (it sends nothing), then `run`",
        args.out.display()
    )?;
    Ok(Exit::Ready)
}

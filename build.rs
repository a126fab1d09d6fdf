//! Lists the catalogue: every `checks/*.toml` (one file per family) is compiled in, so a
//! new family file needs no line in `src/catalogue.rs`. Rule data lives in `checks/rules/`.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=checks");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("checks/ is readable")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.ends_with(".toml").then_some(name)
        })
        .collect();
    files.sort();
    let mut listing = String::from("&[\n");
    for name in files {
        writeln!(
            listing,
            "    (\"checks/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/checks/{name}\"))),"
        )
        .expect("write to a String");
    }
    listing.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"))
        .join("catalogue_sources.rs");
    std::fs::write(out, listing).expect("OUT_DIR is writable");
}

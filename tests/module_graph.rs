//! The library's modules form no import cycle. Each file under `src/` is parsed (syn) and
//! every `crate::`, `super::` and `self::` path in it is resolved to the module it names;
//! the modules are grouped into units (below) and the units' graph must be acyclic. No file
//! under `src/` may grow past 600 lines either.
//!
//! A unit is a top-level module (`ctx`, `decision`, `net`, `report`), except that `checks`,
//! `profile`, `init`, `shipped` and `discovery` are split: each check family is a unit, and
//! so is each family's `cfg` (the profile section it owns, which `profile` composes and the
//! family reads back through the assembled profile); each child of `init` (`site`,
//! `openapi`, `measure`), of `shipped` and of `discovery` is a unit beside its parent's own
//! file. So a `super::` path between siblings (`init/openapi` naming `super::site`) is an
//! edge like any `crate::` path, and two siblings naming each other are a cycle. Paths inside `#[cfg(test)]` modules are not architecture and are
//! not counted. A path is charged to the deepest module it names, so `crate::profile::Route`
//! through a re-export counts as an edge to `profile`: name the defining module to avoid it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Module path (without `crate`) of every library file.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if parts == ["main"] {
                continue; // the binary, not the library
            }
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            found.insert(parts, path);
        }
    }
    found
}

/// The unit a module belongs to.
fn unit_of(module: &[String]) -> String {
    match module {
        [] => "crate".into(),
        [split, family, cfg, ..] if (split == "checks") && cfg == "cfg" => {
            format!("{split}::{family}::cfg")
        }
        [split, child, ..]
            if matches!(
                split.as_str(),
                "checks" | "profile" | "init" | "shipped" | "discovery"
            ) =>
        {
            format!("{split}::{child}")
        }
        [top, ..] => top.clone(),
    }
}

/// Every module path a file's code names, resolved against the file's own module.
struct Paths<'a> {
    here: &'a [String],
    named: BTreeSet<Vec<String>>,
}

impl Paths<'_> {
    fn resolve(&mut self, segments: &[String]) {
        let Some(first) = segments.first() else {
            return;
        };
        let mut base: Vec<String> = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.here.to_vec(),
            "super" => self.here.to_vec(),
            _ => return, // an external crate or a local name
        };
        let mut rest = &segments[1..];
        if first == "super" {
            base.pop();
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        base.extend(rest.iter().cloned());
        self.named.insert(base);
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.resolve(prefix);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.resolve(prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.resolve(prefix),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve(&segments);
        syn::visit::visit_path(self, path);
    }
}

/// `unit → (unit it names → one file:path that names it)`.
fn unit_graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read source");
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut paths = Paths {
            here: module,
            named: BTreeSet::new(),
        };
        paths.visit_file(&ast);
        let from = unit_of(module);
        for named in paths.named {
            // The deepest module the path names (the rest is an item inside it).
            let Some(target) = (0..=named.len())
                .rev()
                .map(|n| &named[..n])
                .find(|prefix| modules.contains_key(*prefix))
            else {
                continue;
            };
            let to = unit_of(target);
            // A unit and the crate root, or a unit and itself, are not an edge.
            if to == from || to == "crate" || from == "crate" {
                continue;
            }
            let shown = format!(
                "{} names crate::{}",
                file.strip_prefix(&src).unwrap_or(file).display(),
                named.join("::")
            );
            graph
                .entry(from.clone())
                .or_default()
                .entry(to)
                .or_insert(shown);
        }
    }
    graph
}

/// Strongly connected components with more than one unit (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeMap<String, String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn connect<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(edges) = s.graph.get(v) {
            for w in edges.keys() {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    connect(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            connect(&mut state, v);
        }
    }
    state.found
}

#[test]
fn the_modules_form_no_import_cycle() {
    let graph = unit_graph();
    let found = cycles(&graph);
    let mut report = String::new();
    for component in &found {
        report.push_str(&format!("cycle among {}:\n", component.join(", ")));
        for from in component {
            for (to, shown) in &graph[from] {
                if component.contains(to) {
                    report.push_str(&format!("  {from} → {to}: {shown}\n"));
                }
            }
        }
    }
    assert!(found.is_empty(), "{report}");
}

#[test]
fn siblings_are_units_so_their_super_paths_count() {
    // `init/openapi` and `init/site` once imported each other through `super::`, unseen
    // while `init` was one unit.
    let units = |m: &[&str]| unit_of(&m.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(units(&["init", "site"]), "init::site");
    assert_eq!(units(&["init", "openapi", "values"]), "init::openapi");
    assert_eq!(units(&["init"]), "init");
    assert_eq!(units(&["discovery", "calls"]), "discovery::calls");
    let graph = unit_graph();
    assert!(
        graph
            .get("init::openapi")
            .is_some_and(|edges| edges.contains_key("init")),
        "init/openapi names `super::Starter`: an edge to init ({graph:?})"
    );
}

#[test]
fn the_checker_sees_a_cycle() {
    // The detector itself: two units naming each other are one cycle.
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    graph
        .entry("a".into())
        .or_default()
        .insert("b".into(), String::new());
    graph
        .entry("b".into())
        .or_default()
        .insert("a".into(), String::new());
    graph
        .entry("c".into())
        .or_default()
        .insert("a".into(), String::new());
    assert_eq!(cycles(&graph), vec![vec!["a".to_string(), "b".to_string()]]);
}

/// The rooms stay small: a file over this many lines is two concepts waiting to be split.
const MAX_LINES: usize = 600;

#[test]
fn no_source_file_is_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long: Vec<String> = modules(&src)
        .values()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file)
                .expect("read source")
                .lines()
                .count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {}", long.join(", "));
}

//! A script read as JavaScript (oxc's parser, the same one bundlers and linters use), not
//! searched with patterns: minified code puts calls, strings and templates wherever the
//! minifier likes, and only a parser tells a call's arguments from a string that happens
//! to contain a path. What is kept is what the rest of the audit needs from a script:
//!
//! - the modules it loads (`import … from`, `export … from`, `import()`), so lazily loaded
//!   chunks are read too;
//! - chunk files a bundler's runtime names (Vite's `__vite__mapDeps`, webpack's chunk-URL
//!   function with its id → hash map);
//! - calls that carry a literal URL or path, or that name a table or collection
//!   (`from("notes")`, `collection("posts")`): the surface the browser calls; and sign-ins
//!   with literal credentials (`authWithPassword("root@…", "…")`);
//! - GraphQL documents (`gql` templates, `query …` strings).
//!
//! Nothing here fetches or judges; [`crate::discovery`] turns these facts into a surface.

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, CallExpression, ExportAllDeclaration, ExportNamedDeclaration, Expression,
    ImportDeclaration, ImportExpression, NewExpression, TaggedTemplateExpression, TemplateLiteral,
    VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_parser::Parser;
use oxc_span::SourceType;

pub use super::literal::Literal;
use super::literal::{callee_name, literal, template_parts};

/// Calls kept per script, at most: a bundle with more literal-path calls than this is
/// read for the first ones only (and says so).
const MAX_CALLS: usize = 2_000;
/// Chunk files one runtime map may name, and modules one script may import, at most.
const MAX_CHUNK_FILES: usize = 500;
/// How deep the reader walks the syntax tree (long chains `a.b.c…`, `a+b+c…` nest to the
/// left, which the parser builds without recursing, but a walk would recurse).
const MAX_AST_DEPTH: usize = 1_000;
/// GraphQL documents kept per script, at most.
const MAX_DOCUMENTS: usize = 200;

/// A call the script makes with something literal in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The callee as written, minified names and all: `fetch`, `axios.post`, `t`,
    /// `?.from` (a call on a computed object).
    pub callee: String,
    /// `new X(…)`.
    pub construct: bool,
    /// The first arguments (at most four).
    pub args: Vec<Literal>,
    /// The text the call's receiver was made with, when the method is called on another
    /// call's result: `_superusers` of `pb.collection("_superusers").authWithPassword(…)`.
    pub on: Option<String>,
}

impl Call {
    /// The callee's last name: `post` of `axios.post`.
    pub fn method_name(&self) -> &str {
        self.callee.rsplit('.').next().unwrap_or(&self.callee)
    }
}

/// What one script says, as far as the audit reads it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScriptFacts {
    /// Module specifiers as written (`./projects-DX.js`, `/assets/x.js`, `react`).
    pub imports: Vec<String>,
    /// Chunk files a bundler's runtime names, relative to where the app is served from.
    pub chunk_files: Vec<String>,
    /// webpack's public path (`__webpack_require__.p = "/static/"`), when the script sets one.
    pub public_path: Option<String>,
    pub calls: Vec<Call>,
    /// GraphQL operation documents.
    pub documents: Vec<String>,
    /// Why the script could not be read whole (a syntax error, a cap reached).
    pub partial: Option<String>,
}

/// Reads `source` as a module, or as a classic script when it is not one.
pub fn read(source: &str) -> ScriptFacts {
    read_as(source, SourceType::unambiguous())
}

/// Reads an original source a source map carries, by its name's extension: JavaScript,
/// TypeScript, JSX. `None` for what is no script (a stylesheet, a Vue or Svelte file).
pub fn read_named(source: &str, name: &str) -> Option<ScriptFacts> {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let extension = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let kind = match extension.as_str() {
        "js" | "mjs" | "cjs" => SourceType::unambiguous(),
        "jsx" => SourceType::jsx(),
        "ts" | "mts" | "cts" => SourceType::ts(),
        "tsx" => SourceType::tsx(),
        _ => return None,
    };
    Some(read_as(source, kind))
}

fn read_as(source: &str, kind: SourceType) -> ScriptFacts {
    // The parser recurses as deep as the script nests: a hostile one would overflow the
    // stack and abort the audit, so it is measured first.
    let depth = super::depth::estimate(source);
    if depth > super::depth::MAX_DEPTH {
        return ScriptFacts {
            partial: Some(format!(
                "nested more than {} levels deep: not read as JavaScript",
                super::depth::MAX_DEPTH
            )),
            ..ScriptFacts::default()
        };
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, kind).parse();
    let mut reader = Reader::default();
    reader.visit_program(&parsed.program);
    if let Some(url) = &reader.chunk_url {
        let files = url.files(&reader.loaded_chunks);
        let room = MAX_CHUNK_FILES.saturating_sub(reader.facts.chunk_files.len());
        reader
            .facts
            .chunk_files
            .extend(files.into_iter().take(room));
    }
    let mut facts = reader.facts;
    if parsed.panicked || !parsed.diagnostics.is_empty() {
        facts.partial = Some(match parsed.diagnostics.first() {
            Some(error) => format!("not valid JavaScript ({error}); read as far as it parsed"),
            None => "not valid JavaScript; read as far as it parsed".into(),
        });
    } else if reader.too_deep {
        facts.partial = Some(format!(
            "expressions chained more than {MAX_AST_DEPTH} deep; read down to that depth"
        ));
    } else if reader.capped {
        facts.partial = Some(format!(
            "more than {MAX_CALLS} calls with a literal URL; the first {MAX_CALLS} were read"
        ));
    }
    unique(&mut facts.imports);
    unique(&mut facts.documents);
    facts
}

/// Keeps the first of each item, in order.
fn unique(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.clone()));
}

#[derive(Default)]
struct Reader {
    facts: ScriptFacts,
    capped: bool,
    /// Inside `const __vite__mapDeps = …`: its strings are chunk files.
    in_vite_deps: bool,
    /// webpack's chunk-URL function, and the chunk ids the script loads (`r.e(43)`).
    chunk_url: Option<super::chunks::ChunkUrl>,
    loaded_chunks: Vec<String>,
    /// How deep the walk is, and whether it stopped somewhere at [`MAX_AST_DEPTH`].
    depth: usize,
    too_deep: bool,
}

/// A string that could be a URL or a path the browser requests.
fn url_like(text: &str) -> bool {
    (text.starts_with('/') && !text.starts_with("//") && text.len() > 1)
        || text.starts_with("http://")
        || text.starts_with("https://")
}

/// Member names under which a client names a table, a function or a collection.
const NAMED_RESOURCES: &[&str] = &["from", "rpc", "collection"];

/// The first argument of the call a method is called on, when it is text:
/// `collection("_superusers")` in `pb.collection("_superusers").authWithPassword(…)`.
fn receiver_text(callee: &Expression) -> Option<String> {
    let Expression::StaticMemberExpression(member) = callee.without_parentheses() else {
        return None;
    };
    let Expression::CallExpression(receiver) = member.object.without_parentheses() else {
        return None;
    };
    match receiver.arguments.first()?.as_expression()? {
        Expression::StringLiteral(text) => Some(text.value.to_string()),
        _ => None,
    }
}

fn keep(name: &str, args: &[Literal]) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let literal_url = |l: &Literal| match l {
        Literal::Text(t) => url_like(t),
        Literal::Template(parts) => parts.first().is_some_and(|p| url_like(p)),
        Literal::Object(members) => {
            ["url", "uri"].iter().any(|k| {
                members
                    .get(*k)
                    .is_some_and(|u| u.text().is_some_and(url_like))
            })
            // A Firebase web config (`initializeApp({apiKey, projectId})`).
            || (members.contains_key("apiKey") && members.contains_key("projectId"))
        }
        _ => false,
    };
    // A sign-in with literal credentials (an admin screen's PocketBase superuser).
    let literal_sign_in = last == "authWithPassword"
        && args.len() >= 2
        && args[..2].iter().all(|a| a.text().is_some());
    args.iter().any(literal_url)
        || literal_sign_in
        || (NAMED_RESOURCES.contains(&last)
            && name.contains('.')
            && args.first().is_some_and(|a| a.text().is_some()))
}

impl Reader {
    fn import(&mut self, specifier: &str) {
        if self.facts.imports.len() < MAX_CHUNK_FILES {
            self.facts.imports.push(specifier.to_string());
        }
    }

    fn call(&mut self, callee: &Expression, arguments: &[Argument], construct: bool) {
        if self.facts.calls.len() >= MAX_CALLS {
            self.capped = true;
            return;
        }
        let args: Vec<Literal> = arguments
            .iter()
            .take(4)
            .map(|a| a.as_expression().map_or(Literal::Other, |e| literal(e, 0)))
            .collect();
        let name = callee_name(callee);
        // webpack's `__webpack_require__.e(43)`: a chunk this script loads.
        if name.ends_with(".e")
            && let [Literal::Number(id)] = args.as_slice()
            && id.fract() == 0.0
            && self.loaded_chunks.len() < MAX_CHUNK_FILES
        {
            self.loaded_chunks.push((*id as i64).to_string());
        }
        if keep(&name, &args) {
            self.facts.calls.push(Call {
                callee: name,
                construct,
                args,
                on: receiver_text(callee),
            });
        }
    }

    fn document(&mut self, text: &str) {
        let start = text.trim_start();
        let operation = ["query", "mutation", "subscription", "fragment"]
            .iter()
            .any(|kw| {
                start.starts_with(kw)
                    && start[kw.len()..].trim_start().starts_with(|c: char| {
                        c.is_alphanumeric() || c == '{' || c == '(' || c == '_'
                    })
            });
        if operation && text.contains('{') && self.facts.documents.len() < MAX_DOCUMENTS {
            self.facts.documents.push(text.to_string());
        }
    }
}

impl<'a> Visit<'a> for Reader {
    fn visit_expression(&mut self, it: &Expression<'a>) {
        if self.depth >= MAX_AST_DEPTH {
            self.too_deep = true;
            return;
        }
        self.depth += 1;
        walk::walk_expression(self, it);
        self.depth -= 1;
    }

    fn visit_statement(&mut self, it: &oxc_ast::ast::Statement<'a>) {
        if self.depth >= MAX_AST_DEPTH {
            self.too_deep = true;
            return;
        }
        self.depth += 1;
        walk::walk_statement(self, it);
        self.depth -= 1;
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.import(it.source.value.as_str());
        walk::walk_import_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.import(it.source.value.as_str());
        walk::walk_export_all_declaration(self, it);
    }

    fn visit_export_named_declaration(&mut self, it: &ExportNamedDeclaration<'a>) {
        walk::walk_export_named_declaration(self, it);
    }

    fn visit_export_from_declaration(&mut self, it: &oxc_ast::ast::ExportFromDeclaration<'a>) {
        self.import(it.source.value.as_str());
        walk::walk_export_from_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        match literal(&it.source, 0) {
            Literal::Text(specifier) => self.import(&specifier),
            // `import(`./pages/${name}.js`)`: which files, only the build knows.
            Literal::Template(_) | Literal::Other => {}
            _ => {}
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.call(&it.callee, &it.arguments, false);
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.call(&it.callee, &it.arguments, true);
        walk::walk_new_expression(self, it);
    }

    fn visit_tagged_template_expression(&mut self, it: &TaggedTemplateExpression<'a>) {
        let tag = callee_name(&it.tag);
        if tag.ends_with("gql") || tag.ends_with("graphql") {
            let text = template_parts(&it.quasi).join("");
            if self.facts.documents.len() < MAX_DOCUMENTS {
                self.facts.documents.push(text);
            }
        }
        walk::walk_tagged_template_expression(self, it);
    }

    fn visit_string_literal(&mut self, it: &oxc_ast::ast::StringLiteral<'a>) {
        let value = it.value.as_str();
        if self.in_vite_deps {
            if value.ends_with(".js") && self.facts.chunk_files.len() < MAX_CHUNK_FILES {
                self.facts.chunk_files.push(value.to_string());
            }
        } else {
            self.document(value);
        }
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        if it.expressions.is_empty() {
            self.document(&template_parts(it).concat());
        }
        walk::walk_template_literal(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        let vite = it
            .id
            .get_identifier_name()
            .is_some_and(|name| name == "__vite__mapDeps");
        let was = self.in_vite_deps;
        self.in_vite_deps = was || vite;
        walk::walk_variable_declarator(self, it);
        self.in_vite_deps = was;
    }

    fn visit_assignment_expression(&mut self, it: &oxc_ast::ast::AssignmentExpression<'a>) {
        if let Some(member) = it.left.as_member_expression()
            && let Some(name) = member.static_property_name()
        {
            match name {
                // webpack's runtime: `r.u = e => …` names chunk files; `r.p = "/"` is where.
                "u" => {
                    if let Some(url) = super::chunks::ChunkUrl::read(&it.right) {
                        self.chunk_url = Some(url);
                    }
                }
                "p" => {
                    if let Expression::StringLiteral(s) = &it.right {
                        self.facts.public_path = Some(s.value.to_string());
                    }
                }
                _ => {}
            }
        }
        walk::walk_assignment_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_calls_and_imports_of_minified_vite_output() {
        let source = r#"import{a as t}from"./index-DVPKW1S-.js";const r="sk";async function c(e){const a=await t("/api/projects");const n=await t(`/api/projects/${encodeURIComponent(o.id)}`);await fetch("/api/notes",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({text:"hello"})});const m=()=>import("./projects-DXOyCoG_.js")}export{r as billingKey,c as show};"#;
        let facts = read(source);
        assert_eq!(facts.partial, None);
        assert_eq!(
            facts.imports,
            ["./index-DVPKW1S-.js", "./projects-DXOyCoG_.js"]
        );
        let calls: Vec<(&str, &Literal)> = facts
            .calls
            .iter()
            .map(|c| (c.callee.as_str(), &c.args[0]))
            .collect();
        assert_eq!(calls[0], ("t", &Literal::Text("/api/projects".into())));
        assert_eq!(
            calls[1],
            (
                "t",
                &Literal::Template(vec!["/api/projects/".into(), String::new()])
            )
        );
        let post = &facts.calls[2];
        assert_eq!(post.callee, "fetch");
        let Literal::Object(options) = &post.args[1] else {
            panic!("{post:?}")
        };
        assert_eq!(options["method"], Literal::Text("POST".into()));
        assert_eq!(
            options["body"].to_json(),
            Some(serde_json::json!({"text": "hello"}))
        );
    }

    #[test]
    fn names_the_chunks_a_webpack_runtime_and_vite_map_deps_load() {
        let webpack = r#"(()=>{var r={};r.u=e=>"static/js/"+e+"."+{85:"9e1c2f",412:"a07b3d"}[e]+".chunk.js",r.p="/"})();"#;
        let facts = read(webpack);
        assert_eq!(
            facts.chunk_files,
            [
                "static/js/412.a07b3d.chunk.js",
                "static/js/85.9e1c2f.chunk.js"
            ]
        );
        assert_eq!(facts.public_path.as_deref(), Some("/"));
        // One lazy chunk: the hash is inlined, the id is in the load call.
        let inlined = r#"(()=>{var n={};n.u=t=>"assets/"+t+".e6cc49af.js";n.p="/";n.e(43).then(()=>n(43))})();"#;
        assert_eq!(read(inlined).chunk_files, ["assets/43.e6cc49af.js"]);
        let vite = r#"const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/Settings-B1.js","assets/Settings-x.css"])))=>i.map(i=>d[i]);"#;
        assert_eq!(read(vite).chunk_files, ["assets/Settings-B1.js"]);
    }

    #[test]
    fn finds_graphql_documents_and_table_names() {
        let source = r#"const Q=gql`query Invoices { invoices { id total } }`;const s=createClient("https://x.supabase.co","eyJhbGciOiJIUzI1NiJ9.e30.sig");s.from("notes").select("*");const M="mutation Login($e:String!){login(email:$e){token}}";"#;
        let facts = read(source);
        assert_eq!(facts.documents.len(), 2, "{:?}", facts.documents);
        assert!(
            facts
                .calls
                .iter()
                .any(|c| c.callee == "s.from" && c.args[0] == Literal::Text("notes".into()))
        );
        assert!(facts.calls.iter().any(|c| c.callee == "createClient"));
    }

    /// What a hostile target could serve: each is read (or refused) on a thread with the
    /// 2 MiB stack of tokio's blocking threads, where the scripts are read, without
    /// overflowing it.
    #[test]
    fn deep_scripts_never_overflow_the_stack() {
        let n = 200_000;
        let scripts = [
            format!("x={}1{}", "(".repeat(n), ")".repeat(n)),
            format!("x={}{}", "[".repeat(n), "]".repeat(n)),
            format!("a{}()", ".b".repeat(n)),
            format!("x=\"a\"{}", "+\"b\"".repeat(n)),
            format!("{}1", "f(".repeat(n / 2)),
            format!("{}1", "a=".repeat(n)),
            format!("{}1", "x=>".repeat(n)),
            format!("x={}1", "!".repeat(n)),
            format!("x={}1", "a?b:".repeat(n)),
            format!("x=f{}", "()".repeat(n)),
            format!("r.u={}", "e=>\"a\"+".repeat(n)),
            format!("x=`{}`", "${`".repeat(n / 4)),
        ];
        for script in scripts {
            let reader = std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || read(&script).partial)
                .expect("thread");
            // Read in part (refused, or walked down to the cap), never aborted.
            let partial = reader.join().expect("no overflow");
            assert!(partial.is_some(), "a deep script was read whole");
        }
    }

    #[test]
    fn a_syntax_error_is_said_not_hidden() {
        let facts = read("fetch('/api/a'); function (");
        assert!(facts.partial.is_some());
    }
}

//! Chunk files a webpack runtime names: its chunk-URL function,
//! `r.u = e => "static/js/" + e + "." + {85: "9e1c2f"}[e] + ".chunk.js"`, evaluated for
//! every id of its map, or, where the hash is inlined (`r.u = e => "assets/" + e +
//! ".e6cc49af.js"`), for every id the script loads (`r.e(43)`): the shapes webpack 4 and 5
//! emit, minified or not.

use std::collections::BTreeMap;

use oxc_ast::ast::{
    ArrowFunctionExpression, BinaryExpression, BinaryOperator, Expression, ObjectPropertyKind,
    PropertyKey, Statement,
};

/// Chunk files one runtime map may name, at most.
const MAX_FILES: usize = 500;

/// A chunk-URL function, read: what it returns, as parts.
pub struct ChunkUrl {
    parts: Vec<Part>,
}

impl ChunkUrl {
    /// Reads a chunk-URL function (`function` or arrow); `None` when it is any other shape.
    pub fn read(function: &Expression) -> Option<ChunkUrl> {
        let body = returned(function)?;
        let mut parts = Vec::new();
        flatten_plus(body, &mut parts, 0).then_some(ChunkUrl { parts })
    }

    /// The files it names: one per id of its own id → hash map, or, where one hash is
    /// inlined for all (a build with one lazy chunk), one per id the script loads
    /// (`__webpack_require__.e(43)`).
    pub fn files(&self, loaded: &[String]) -> Vec<String> {
        let map = self.parts.iter().find_map(|p| match p {
            Part::Lookup(map) => Some(map.clone()),
            _ => None,
        });
        let ids: Vec<(String, String)> = match map {
            Some(map) => map.into_iter().collect(),
            None => loaded
                .iter()
                .map(|id| (id.clone(), String::new()))
                .collect(),
        };
        ids.iter()
            .take(MAX_FILES)
            .map(|(id, hash)| {
                self.parts
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) => t.as_str(),
                        Part::Id => id.as_str(),
                        Part::Lookup(_) => hash.as_str(),
                    })
                    .collect::<String>()
            })
            .filter(|file| file.ends_with(".js"))
            .collect()
    }
}

enum Part {
    Text(String),
    /// The function's parameter: the chunk id.
    Id,
    /// `{id: hash, …}[id]`.
    Lookup(BTreeMap<String, String>),
}

/// A `+` chain of strings, the parameter and one id → text map; false when it is anything else.
fn flatten_plus(expression: &Expression, parts: &mut Vec<Part>, depth: usize) -> bool {
    // A chunk URL is a handful of parts; a longer chain is something else.
    if depth > 16 {
        return false;
    }
    match expression {
        Expression::BinaryExpression(binary) => flatten_binary(binary, parts, depth + 1),
        Expression::ParenthesizedExpression(inner) => {
            flatten_plus(&inner.expression, parts, depth + 1)
        }
        Expression::StringLiteral(s) => {
            parts.push(Part::Text(s.value.to_string()));
            true
        }
        Expression::Identifier(_) => {
            parts.push(Part::Id);
            true
        }
        // `({…}[e] || e)`: the hash, or the id where it has none.
        Expression::LogicalExpression(logical) => flatten_plus(&logical.left, parts, depth + 1),
        Expression::ComputedMemberExpression(member) => {
            let Expression::ObjectExpression(object) = &member.object else {
                return false;
            };
            let mut map = BTreeMap::new();
            for property in &object.properties {
                let ObjectPropertyKind::ObjectProperty(property) = property else {
                    return false;
                };
                let key = match &property.key {
                    PropertyKey::StaticIdentifier(id) => id.name.to_string(),
                    PropertyKey::StringLiteral(s) => s.value.to_string(),
                    PropertyKey::NumericLiteral(n) => n.value.to_string(),
                    _ => return false,
                };
                let Expression::StringLiteral(value) = &property.value else {
                    return false;
                };
                map.insert(key, value.value.to_string());
            }
            parts.push(Part::Lookup(map));
            true
        }
        _ => false,
    }
}

fn flatten_binary(binary: &BinaryExpression, parts: &mut Vec<Part>, depth: usize) -> bool {
    binary.operator == BinaryOperator::Addition
        && flatten_plus(&binary.left, parts, depth)
        && flatten_plus(&binary.right, parts, depth)
}

/// The expression an arrow or function returns, when its body is that one return.
fn returned<'b, 'a>(expression: &'b Expression<'a>) -> Option<&'b Expression<'a>> {
    let statements = match expression {
        Expression::ArrowFunctionExpression(arrow) => return arrow_result(arrow),
        Expression::FunctionExpression(function) => &function.body.as_ref()?.statements,
        _ => return None,
    };
    match statements.as_slice() {
        [Statement::ReturnStatement(ret)] => ret.argument.as_ref(),
        _ => None,
    }
}

fn arrow_result<'b, 'a>(arrow: &'b ArrowFunctionExpression<'a>) -> Option<&'b Expression<'a>> {
    match &arrow.body {
        oxc_ast::ast::ArrowFunctionBody::FunctionBody(body) => match body.statements.as_slice() {
            [Statement::ReturnStatement(ret)] => ret.argument.as_ref(),
            _ => None,
        },
        body => body.as_expression(),
    }
}

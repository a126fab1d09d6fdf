//! A script's expressions as far as they are literal: strings, templates with holes,
//! `"a" + x` concatenations, object literals, `JSON.stringify` of them, and callees as
//! dotted names. Every walk here is bounded, whatever the script nests.

use std::collections::BTreeMap;

use oxc_ast::ast::{BinaryOperator, Expression, ObjectPropertyKind, PropertyKey, TemplateLiteral};

/// A literal argument, as far as it is literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Text(String),
    /// A template literal: its text parts, with a hole between each two.
    Template(Vec<String>),
    /// An object literal's members, by key (only members with a static key).
    Object(BTreeMap<String, Literal>),
    /// `JSON.stringify(x)`: the literal it serialises.
    Stringified(Box<Literal>),
    Number(f64),
    Bool(bool),
    /// Anything computed at run time.
    Other,
}

impl Literal {
    pub fn text(&self) -> Option<&str> {
        match self {
            Literal::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The literal as JSON, when all of it is literal.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Literal::Text(text) => serde_json::Value::String(text.clone()),
            Literal::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => (*n as i64).into(),
            Literal::Number(n) => serde_json::Number::from_f64(*n)?.into(),
            Literal::Bool(b) => (*b).into(),
            Literal::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Literal::Stringified(inner) => inner.to_json()?,
            Literal::Template(_) | Literal::Other => return None,
        })
    }
}

/// A callee as a dotted name (its last 8 names at most: `?.a.b` beyond).
pub(super) fn callee_name(expression: &Expression) -> String {
    callee_name_within(expression, 8)
}

fn callee_name_within(expression: &Expression, depth: usize) -> String {
    if depth == 0 {
        return "?".into();
    }
    match expression {
        Expression::Identifier(id) => id.name.to_string(),
        Expression::StaticMemberExpression(member) => format!(
            "{}.{}",
            callee_name_within(&member.object, depth - 1),
            member.property.name
        ),
        Expression::ParenthesizedExpression(inner) => {
            callee_name_within(&inner.expression, depth - 1)
        }
        // `(0, t.get)(…)`: the minifier's way to call without a `this`.
        Expression::SequenceExpression(sequence) => sequence
            .expressions
            .last()
            .map(|e| callee_name_within(e, depth - 1))
            .unwrap_or_else(|| "?".into()),
        Expression::ChainExpression(_) => "?".into(),
        _ => "?".into(),
    }
}

pub(super) fn template_parts(template: &TemplateLiteral) -> Vec<String> {
    template
        .quasis
        .iter()
        .map(|q| {
            q.value
                .cooked
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| q.value.raw.to_string())
        })
        .collect()
}

pub(super) fn literal(expression: &Expression, depth: usize) -> Literal {
    if depth > 6 {
        return Literal::Other;
    }
    match expression {
        Expression::StringLiteral(s) => Literal::Text(s.value.to_string()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            Literal::Text(template_parts(t).concat())
        }
        Expression::TemplateLiteral(t) => Literal::Template(template_parts(t)),
        Expression::NumericLiteral(n) => Literal::Number(n.value),
        Expression::BooleanLiteral(b) => Literal::Bool(b.value),
        Expression::ParenthesizedExpression(inner) => literal(&inner.expression, depth),
        // `"/api/orgs/" + org + "/members"`: a template written the old way.
        Expression::BinaryExpression(binary) if binary.operator == BinaryOperator::Addition => {
            let mut parts = vec![String::new()];
            concatenation(expression, &mut parts, depth);
            if parts.len() == 1 {
                Literal::Text(parts.remove(0))
            } else {
                Literal::Template(parts)
            }
        }
        Expression::ObjectExpression(object) => {
            let mut members = BTreeMap::new();
            for property in &object.properties {
                let ObjectPropertyKind::ObjectProperty(property) = property else {
                    continue;
                };
                let key = match &property.key {
                    PropertyKey::StaticIdentifier(id) => id.name.to_string(),
                    PropertyKey::StringLiteral(s) => s.value.to_string(),
                    _ => continue,
                };
                members.insert(key, literal(&property.value, depth + 1));
            }
            Literal::Object(members)
        }
        Expression::CallExpression(call)
            if callee_name(&call.callee) == "JSON.stringify" && !call.arguments.is_empty() =>
        {
            match call.arguments[0].as_expression() {
                Some(inner) => Literal::Stringified(Box::new(literal(inner, depth + 1))),
                None => Literal::Other,
            }
        }
        _ => Literal::Other,
    }
}

/// The text parts of a `+` chain, a new part after each computed operand.
fn concatenation(expression: &Expression, parts: &mut Vec<String>, depth: usize) {
    let last = parts.len() - 1;
    match expression {
        Expression::BinaryExpression(binary)
            if binary.operator == BinaryOperator::Addition && depth < 32 =>
        {
            concatenation(&binary.left, parts, depth + 1);
            concatenation(&binary.right, parts, depth + 1);
        }
        Expression::StringLiteral(s) => parts[last].push_str(&s.value),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            parts[last].push_str(&template_parts(t).concat())
        }
        _ => parts.push(String::new()),
    }
}

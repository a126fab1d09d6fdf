//! Reading values out of a spec: local `$ref`s, examples, bodies built from schemas, and
//! where a login answer keeps its token.

use serde_json::Value;

/// Follows a local `$ref` (`#/components/…`), at most 16 deep (cycles end there).
pub(super) fn deref<'a>(spec: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return value;
        };
        match spec.pointer(pointer) {
            Some(target) => value = target,
            None => return value,
        }
    }
    value
}

/// An example for a parameter or a media type: `example`, the first of `examples`, or the
/// schema's `example`/`default`/first `enum` value.
pub(super) fn example(spec: &Value, holder: &Value) -> Option<Value> {
    let holder = deref(spec, holder);
    if let Some(example) = holder.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = holder
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
    {
        let first = deref(spec, first);
        return first.get("value").cloned().or_else(|| Some(first.clone()));
    }
    let schema = deref(spec, holder.get("schema").unwrap_or(&Value::Null));
    schema
        .get("example")
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("enum").and_then(|e| e.get(0)))
        .cloned()
}

pub(super) fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn json_to_toml(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(items.iter().filter_map(json_to_toml).collect()),
        Value::Object(map) => toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), json_to_toml(v)?)))
                .collect(),
        ),
    })
}

/// A JSON body an operation accepts: its example, or one built from its schema's
/// properties (examples, defaults, enums, else a value of the right type).
pub(super) fn body_of(spec: &Value, operation: &Value) -> Option<Value> {
    let media = operation
        .get("requestBody")
        .map(|b| deref(spec, b))?
        .get("content")?
        .as_object()?
        .iter()
        .find(|(kind, _)| kind.contains("json"))
        .map(|(_, media)| media)?;
    example(spec, media).or_else(|| {
        let schema = deref(spec, media.get("schema")?);
        Some(from_schema(spec, schema, 0))
    })
}

fn from_schema(spec: &Value, schema: &Value, depth: usize) -> Value {
    let schema = deref(spec, schema);
    if let Some(value) = schema
        .get("example")
        .or_else(|| schema.get("default"))
        .or_else(|| schema.pointer("/enum/0"))
    {
        return value.clone();
    }
    if depth > 4 {
        return Value::Null;
    }
    for combined in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = schema.pointer(&format!("/{combined}/0")) {
            return from_schema(spec, first, depth + 1);
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let properties = schema.get("properties").and_then(Value::as_object);
            Value::Object(
                properties
                    .into_iter()
                    .flatten()
                    .map(|(name, property)| (name.clone(), from_schema(spec, property, depth + 1)))
                    .filter(|(_, v)| !v.is_null())
                    .collect(),
            )
        }
        Some("integer") | Some("number") => Value::from(1),
        Some("boolean") => Value::Bool(false),
        Some("array") => Value::Array(Vec::new()),
        Some("string") => Value::String("launch-audit".into()),
        _ => Value::Null,
    }
}

/// A body example with its `{` and `}` taken out of strings: in a profile they would read
/// as placeholders (`"{}"`, a JSON document inside a string).
pub(super) fn without_braces(value: &Value) -> Value {
    match value {
        Value::String(text) if text.contains(['{', '}']) => {
            Value::String(text.replace(['{', '}'], ""))
        }
        Value::Array(items) => Value::Array(items.iter().map(without_braces).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_braces(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The property names of an operation's JSON request body.
pub(super) fn body_fields(spec: &Value, operation: &Value) -> Vec<String> {
    match body_of(spec, operation) {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Where a login answer holds its token: the first property named like one, at most two
/// levels down (`/data/access_token`).
pub(super) fn token_pointer(spec: &Value, operation: &Value) -> Option<String> {
    let responses = operation.get("responses")?.as_object()?;
    let (_, response) = responses.iter().find(|(code, _)| code.starts_with('2'))?;
    let media = deref(spec, response)
        .get("content")?
        .as_object()?
        .iter()
        .find(|(kind, _)| kind.contains("json"))
        .map(|(_, m)| m)?;
    let schema = deref(spec, media.get("schema")?);
    fn find(spec: &Value, schema: &Value, at: &str, depth: usize) -> Option<String> {
        let properties = deref(spec, schema).get("properties")?.as_object()?;
        for name in [
            "access_token",
            "accessToken",
            "token",
            "jwt",
            "id_token",
            "session_token",
            "sessionToken",
        ] {
            if properties.contains_key(name) {
                return Some(format!("{at}/{name}"));
            }
        }
        if depth == 0 {
            return None;
        }
        properties
            .iter()
            .find_map(|(name, inner)| find(spec, inner, &format!("{at}/{name}"), depth - 1))
    }
    find(spec, schema, "", 2)
}

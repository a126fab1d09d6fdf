//! Swagger 2.0 documents, read as the OpenAPI 3 documents they describe: many APIs still
//! serve 2.0 (PostgREST, Kinto, older frameworks' generators). The mapping is the one the
//! OpenAPI 3.0 specification gives for each 2.0 field, kept to what `init` reads:
//!
//! - `host`, `basePath` and `schemes` → `servers` (https preferred; no schemes: the one the
//!   document was fetched with, else https; no host: the base path);
//! - `securityDefinitions` → `components.securitySchemes` (`basic` → HTTP basic, an OAuth2
//!   `application` flow → client credentials);
//! - `definitions`, `parameters`, `responses` → `components.*`, and every `$ref` with them;
//! - a `body` parameter → `requestBody` (JSON), `formData` parameters → a form body;
//!   other parameters' `type`, `format`, `enum`, `default` and `items` → their `schema`;
//! - a response's `schema` and `examples` → its `content`.

use serde_json::{Map, Value, json};

/// Whether `spec` is a Swagger 2.0 document.
pub(super) fn is_swagger2(spec: &Value) -> bool {
    spec.get("swagger").and_then(Value::as_str) == Some("2.0")
}

/// `spec` as an OpenAPI 3.0 document; `fetched_with` is the scheme the document was read
/// over, when it was fetched (2.0's default for a host without `schemes`).
pub(super) fn upgrade(spec: &Value, fetched_with: Option<&str>) -> Value {
    let spec = with_references_moved(spec);
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    for key in ["info", "security", "tags"] {
        if let Some(value) = spec.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    if let Some(server) = server(&spec, fetched_with) {
        out.insert("servers".into(), json!([{ "url": server }]));
    }
    let consumes = media_types(spec.get("consumes"));
    let produces = media_types(spec.get("produces"));
    let mut components = Map::new();
    if let Some(schemes) = spec.get("securityDefinitions").and_then(Value::as_object) {
        let schemes: Map<String, Value> = schemes
            .iter()
            .map(|(name, scheme)| (name.clone(), security_scheme(scheme)))
            .collect();
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    if let Some(definitions) = spec.get("definitions") {
        components.insert("schemas".into(), definitions.clone());
    }
    if let Some(parameters) = spec.get("parameters").and_then(Value::as_object) {
        let parameters: Map<String, Value> = parameters
            .iter()
            .map(|(name, p)| (name.clone(), parameter(p)))
            .collect();
        components.insert("parameters".into(), Value::Object(parameters));
    }
    if let Some(responses) = spec.get("responses").and_then(Value::as_object) {
        let responses: Map<String, Value> = responses
            .iter()
            .map(|(code, r)| (code.clone(), response(r, &produces)))
            .collect();
        components.insert("responses".into(), Value::Object(responses));
    }
    out.insert("components".into(), Value::Object(components));
    let paths: Map<String, Value> = spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(path, item)| (path.clone(), path_item(item, &consumes, &produces)))
        .collect();
    out.insert("paths".into(), Value::Object(paths));
    Value::Object(out)
}

/// `scheme://host/basePath`, https first; a base path alone when no host is named.
fn server(spec: &Value, fetched_with: Option<&str>) -> Option<String> {
    let base_path = spec
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let Some(host) = spec.get("host").and_then(Value::as_str) else {
        return (!base_path.is_empty()).then(|| base_path.to_string());
    };
    let schemes: Vec<&str> = spec
        .get("schemes")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let scheme = match (schemes.as_slice(), fetched_with) {
        ([], Some(fetched)) => fetched,
        ([], None) => "https",
        (listed, _) if listed.contains(&"https") => "https",
        (listed, _) => listed[0],
    };
    Some(format!("{scheme}://{host}{base_path}"))
}

fn media_types(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|types| {
            types
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON type among `types`, else the first, else `application/json`.
fn json_type(types: &[String]) -> String {
    types
        .iter()
        .find(|t| t.contains("json"))
        .or(types.first())
        .cloned()
        .unwrap_or_else(|| "application/json".into())
}

fn security_scheme(scheme: &Value) -> Value {
    let text = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or("");
    let mut out = match text("type") {
        "basic" => json!({"type": "http", "scheme": "basic"}),
        "oauth2" if text("flow") == "application" => json!({
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": text("tokenUrl"), "scopes": {}}}
        }),
        "oauth2" => json!({"type": "oauth2", "flows": {}}),
        _ => scheme.clone(),
    };
    if let (Some(out), Some(description)) = (out.as_object_mut(), scheme.get("description")) {
        out.insert("description".into(), description.clone());
    }
    out
}

/// A non-body parameter with its type moved into `schema`.
fn parameter(parameter: &Value) -> Value {
    let Some(fields) = parameter.as_object() else {
        return parameter.clone();
    };
    if fields.contains_key("$ref") || fields.contains_key("schema") {
        return parameter.clone();
    }
    let mut out = Map::new();
    let mut schema = Map::new();
    for (key, value) in fields {
        match key.as_str() {
            "type" | "format" | "enum" | "default" | "items" | "minimum" | "maximum"
            | "pattern" => {
                schema.insert(key.clone(), value.clone());
            }
            "x-example" => {
                out.insert("example".into(), value.clone());
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if !schema.is_empty() {
        out.insert("schema".into(), Value::Object(schema));
    }
    Value::Object(out)
}

fn response(response: &Value, produces: &[String]) -> Value {
    let Some(fields) = response.as_object() else {
        return response.clone();
    };
    let mut out: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "schema" | "examples"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(schema) = fields.get("schema") {
        let mut media = Map::new();
        media.insert("schema".into(), schema.clone());
        let media_type = json_type(produces);
        if let Some(example) = fields.get("examples").and_then(|e| e.get(&media_type)) {
            media.insert("example".into(), example.clone());
        }
        out.insert("content".into(), json!({ media_type: media }));
    }
    Value::Object(out)
}

fn path_item(item: &Value, consumes: &[String], produces: &[String]) -> Value {
    let Some(fields) = item.as_object() else {
        return item.clone();
    };
    let mut out = Map::new();
    for (key, value) in fields {
        let converted = match key.as_str() {
            "get" | "put" | "post" | "delete" | "options" | "head" | "patch" => {
                operation(value, consumes, produces)
            }
            "parameters" => Value::Array(plain_parameters(value)),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    Value::Object(out)
}

/// The parameters that stay parameters (not `body` or `formData`), converted.
fn plain_parameters(parameters: &Value) -> Vec<Value> {
    parameters
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| !matches!(location(p), "body" | "formData"))
        .map(parameter)
        .collect()
}

fn location(parameter: &Value) -> &str {
    parameter.get("in").and_then(Value::as_str).unwrap_or("")
}

fn operation(operation: &Value, consumes: &[String], produces: &[String]) -> Value {
    let Some(fields) = operation.as_object() else {
        return operation.clone();
    };
    let consumes = match media_types(fields.get("consumes")) {
        own if !own.is_empty() => own,
        _ => consumes.to_vec(),
    };
    let produces = match media_types(fields.get("produces")) {
        own if !own.is_empty() => own,
        _ => produces.to_vec(),
    };
    let mut out = Map::new();
    for (key, value) in fields {
        match key.as_str() {
            "parameters" => {
                out.insert(key.clone(), Value::Array(plain_parameters(value)));
            }
            "responses" => {
                let responses: Map<String, Value> = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(code, r)| (code.clone(), response(r, &produces)))
                    .collect();
                out.insert(key.clone(), Value::Object(responses));
            }
            "consumes" | "produces" | "schemes" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    let parameters = fields.get("parameters").and_then(Value::as_array);
    let body = parameters
        .into_iter()
        .flatten()
        .find(|p| location(p) == "body");
    let form: Vec<&Value> = parameters
        .into_iter()
        .flatten()
        .filter(|p| location(p) == "formData")
        .collect();
    if let Some(body) = body {
        let mut media = Map::new();
        if let Some(schema) = body.get("schema") {
            media.insert("schema".into(), schema.clone());
        }
        if let Some(example) = body.get("x-example") {
            media.insert("example".into(), example.clone());
        }
        out.insert(
            "requestBody".into(),
            json!({ "content": { json_type(&consumes): media } }),
        );
    } else if !form.is_empty() {
        let properties: Map<String, Value> = form
            .iter()
            .filter_map(|p| {
                let name = p.get("name")?.as_str()?.to_string();
                Some((
                    name,
                    parameter(p).get("schema").cloned().unwrap_or(json!({})),
                ))
            })
            .collect();
        let media_type = consumes
            .iter()
            .find(|t| t.contains("form"))
            .cloned()
            .unwrap_or_else(|| "application/x-www-form-urlencoded".into());
        out.insert(
            "requestBody".into(),
            json!({ "content": { media_type: {
                "schema": {"type": "object", "properties": properties}
            } } }),
        );
    }
    Value::Object(out)
}

/// Every `$ref` to a 2.0 location, pointed at its OpenAPI 3 place.
fn with_references_moved(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| {
                    let moved = match (key.as_str(), value) {
                        ("$ref", Value::String(reference)) => Value::String(
                            reference
                                .replacen("#/definitions/", "#/components/schemas/", 1)
                                .replacen("#/parameters/", "#/components/parameters/", 1)
                                .replacen("#/responses/", "#/components/responses/", 1),
                        ),
                        _ => with_references_moved(value),
                    };
                    (key.clone(), moved)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(with_references_moved).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swagger_document_reads_as_openapi_3() {
        let spec = json!({
            "swagger": "2.0",
            "host": "api.acme.test",
            "basePath": "/v1/",
            "schemes": ["http", "https"],
            "securityDefinitions": {"basicAuth": {"type": "basic"}},
            "security": [{"basicAuth": []}],
            "definitions": {"Note": {"type": "object", "properties": {"body": {"type": "string"}}}},
            "paths": {
                "/notes/{id}": {
                    "parameters": [{"name": "id", "in": "path", "type": "string", "x-example": "n1"}],
                    "put": {
                        "parameters": [{"name": "note", "in": "body", "schema": {"$ref": "#/definitions/Note"}}],
                        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Note"}}}
                    }
                },
                "/login": {"post": {
                    "consumes": ["application/x-www-form-urlencoded"],
                    "parameters": [
                        {"name": "email", "in": "formData", "type": "string"},
                        {"name": "password", "in": "formData", "type": "string"}
                    ]
                }}
            }
        });
        let upgraded = upgrade(&spec, None);
        assert_eq!(upgraded["servers"][0]["url"], "https://api.acme.test/v1");
        assert_eq!(
            upgraded["components"]["securitySchemes"]["basicAuth"],
            json!({"type": "http", "scheme": "basic"})
        );
        let item = &upgraded["paths"]["/notes/{id}"];
        assert_eq!(item["parameters"][0]["schema"]["type"], "string");
        assert_eq!(item["parameters"][0]["example"], "n1");
        assert_eq!(
            item["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Note"
        );
        assert_eq!(item["put"]["parameters"], json!([]));
        assert!(
            item["put"]["responses"]["200"]["content"]["application/json"]["schema"].is_object()
        );
        let form = &upgraded["paths"]["/login"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
            ["schema"]["properties"];
        assert!(form.get("email").is_some() && form.get("password").is_some());
    }

    #[test]
    fn no_host_leaves_the_base_path() {
        let spec = json!({"swagger": "2.0", "basePath": "/api", "paths": {}});
        assert_eq!(upgrade(&spec, None)["servers"][0]["url"], "/api");
        let root = json!({"swagger": "2.0", "basePath": "/", "paths": {}});
        assert!(upgrade(&root, None).get("servers").is_none());
        // A host without schemes: the scheme it was fetched with.
        let host = json!({"swagger": "2.0", "host": "127.0.0.1:8888", "paths": {}});
        assert_eq!(
            upgrade(&host, Some("http"))["servers"][0]["url"],
            "http://127.0.0.1:8888"
        );
        assert_eq!(
            upgrade(&host, None)["servers"][0]["url"],
            "https://127.0.0.1:8888"
        );
    }
}

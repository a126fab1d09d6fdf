//! A GraphQL schema's root fields and the types they return, read from an introspection
//! answer or from the schema's SDL (with apollo-parser, the parser the family already reads
//! documents with): what init writes operations from when no script carries any. Only the
//! shapes init needs are kept: root queries and mutations with their arguments, and each
//! composite type's fields.

use std::collections::BTreeMap;

use apollo_parser::Parser;
use apollo_parser::cst;
use serde_json::Value;

/// The introspection query init sends: root types, and every type's fields with their
/// arguments, types unwrapped three levels (`[Invoice!]!`).
pub const INTROSPECTION: &str = "query LaunchAuditInit { __schema { queryType { name } mutationType { name } types { kind name fields { name args { name type { ...T } } type { ...T } } } } } fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A type as written in SDL: its named type, whether it is a list, and the whole text
/// (`[Invoice!]!`), which a variable's definition repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRef {
    pub name: String,
    pub list: bool,
    pub text: String,
}

impl TypeRef {
    /// A type as SDL and graphql-js's messages write it: `[Invoice!]!`.
    pub fn parse(text: &str) -> TypeRef {
        TypeRef {
            name: text
                .trim_matches(|c| c == '[' || c == ']' || c == '!')
                .to_string(),
            list: text.contains('['),
            text: text.to_string(),
        }
    }

    fn named(name: &str) -> TypeRef {
        TypeRef {
            name: name.to_string(),
            list: false,
            text: name.to_string(),
        }
    }

    fn non_null(mut self) -> TypeRef {
        self.text.push('!');
        self
    }

    fn list_of(inner: TypeRef) -> TypeRef {
        TypeRef {
            name: inner.name,
            list: true,
            text: format!("[{}]", inner.text),
        }
    }

    pub fn required(&self) -> bool {
        self.text.ends_with('!')
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Argument {
    pub name: String,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub arguments: Vec<Argument>,
    pub ty: TypeRef,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    pub queries: Vec<Field>,
    pub mutations: Vec<Field>,
    /// Object, interface and union types by name, with their fields. A type not here is a
    /// leaf (a scalar or an enum).
    pub composites: BTreeMap<String, Vec<Field>>,
}

/// A root query that reads one object by its one required argument (`invoice(id: ID!)`),
/// as a document with that argument as its variable, and where a caller is shown an id of
/// that type of its own, when the schema says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    pub document: String,
    pub field: String,
    pub own: Option<IdSource>,
}

/// A document whose answer shows the caller an id of its own, and where in the answer:
/// the root list of the type (`{ invoices { id } }`, the first item's), or the object of
/// that type a root query with no argument leads to (`{ me { org { id } } }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdSource {
    pub document: String,
    pub pointer: String,
    /// What it reads, for the operation's name: `invoices`, `org (via me)`.
    pub label: String,
}

impl IdSource {
    /// The first item of root list `field`.
    pub fn list(field: &str) -> IdSource {
        IdSource {
            document: format!("{{ {field} {{ id }} }}"),
            pointer: format!("/data/{field}/0/id"),
            label: field.to_string(),
        }
    }
}

/// Leaf fields a document selects at most.
const MAX_LEAVES: usize = 3;

impl Schema {
    /// The schema an introspection answer describes; an error says why it is not one.
    pub fn from_introspection(answer: &Value) -> Result<Schema, String> {
        let schema = answer
            .pointer("/data/__schema")
            .ok_or("the answer has no data.__schema")?;
        let root = |pointer: &str| {
            schema
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (query, mutation) = (root("/queryType/name"), root("/mutationType/name"));
        let mut composites = BTreeMap::new();
        for ty in schema
            .get("types")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(kind), Some(name)) = (
                ty.get("kind").and_then(Value::as_str),
                ty.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            if !matches!(kind, "OBJECT" | "INTERFACE" | "UNION") || name.starts_with("__") {
                continue;
            }
            let fields = ty
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|field| {
                    Some(Field {
                        name: field.get("name")?.as_str()?.to_string(),
                        arguments: field
                            .get("args")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|argument| {
                                Some(Argument {
                                    name: argument.get("name")?.as_str()?.to_string(),
                                    ty: introspected_type(argument.get("type")?)?,
                                })
                            })
                            .collect(),
                        ty: introspected_type(field.get("type")?)?,
                    })
                })
                .collect();
            composites.insert(name.to_string(), fields);
        }
        Ok(Schema::with_roots(
            composites,
            query.as_deref().unwrap_or("Query"),
            mutation.as_deref(),
        ))
    }

    /// The schema an SDL text defines (type extensions merged in); an error says where it
    /// does not parse.
    pub fn from_sdl(text: &str) -> Result<Schema, String> {
        let tree = Parser::new(text)
            .recursion_limit(256)
            .token_limit(2_000_000)
            .parse();
        if let Some(error) = tree.errors().next() {
            return Err(format!("{} (at byte {})", error.message(), error.index()));
        }
        let mut composites: BTreeMap<String, Vec<Field>> = BTreeMap::new();
        let (mut query, mut mutation) = ("Query".to_string(), Some("Mutation".to_string()));
        let mut add = |name: Option<cst::Name>, fields: Option<cst::FieldsDefinition>| {
            let Some(name) = name else { return };
            composites
                .entry(name.text().to_string())
                .or_default()
                .extend(
                    fields
                        .iter()
                        .flat_map(|f| f.field_definitions())
                        .filter_map(sdl_field),
                );
        };
        for definition in tree.document().definitions() {
            match definition {
                cst::Definition::ObjectTypeDefinition(d) => add(d.name(), d.fields_definition()),
                cst::Definition::ObjectTypeExtension(d) => add(d.name(), d.fields_definition()),
                cst::Definition::InterfaceTypeDefinition(d) => add(d.name(), d.fields_definition()),
                cst::Definition::InterfaceTypeExtension(d) => add(d.name(), d.fields_definition()),
                cst::Definition::UnionTypeDefinition(d) => add(d.name(), None),
                cst::Definition::SchemaDefinition(d) => {
                    mutation = None;
                    for root in d.root_operation_type_definitions() {
                        let (Some(kind), Some(named)) = (
                            root.operation_type(),
                            root.named_type().and_then(|n| n.name()),
                        ) else {
                            continue;
                        };
                        if kind.query_token().is_some() {
                            query = named.text().to_string();
                        } else if kind.mutation_token().is_some() {
                            mutation = Some(named.text().to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        if !composites.contains_key(&query) {
            return Err(format!("no `type {query}` in it: not a schema"));
        }
        Ok(Schema::with_roots(composites, &query, mutation.as_deref()))
    }

    pub(super) fn with_roots(
        composites: BTreeMap<String, Vec<Field>>,
        query: &str,
        mutation: Option<&str>,
    ) -> Schema {
        let fields_of = |name: Option<&str>| {
            name.and_then(|n| composites.get(n))
                .cloned()
                .unwrap_or_default()
        };
        Schema {
            queries: fields_of(Some(query)),
            mutations: fields_of(mutation),
            composites,
        }
    }

    /// How much of it there is, for notes: `6 root queries, 2 mutations`.
    pub fn size(&self) -> String {
        format!(
            "{} root queries, {} mutations",
            self.queries.len(),
            self.mutations.len()
        )
    }

    /// The leaf fields of `type_name` a document selects: a token first, then `id`, then
    /// the others as declared, at most [`MAX_LEAVES`]; none for a type with no leaves.
    fn leaves(&self, type_name: &str) -> Vec<&str> {
        let mut leaves: Vec<&str> = self
            .composites
            .get(type_name)
            .into_iter()
            .flatten()
            .filter(|f| {
                !self.composites.contains_key(&f.ty.name)
                    && f.arguments.iter().all(|a| !a.ty.required())
            })
            .map(|f| f.name.as_str())
            .collect();
        let rank = |name: &&str| {
            let lower = name.to_ascii_lowercase();
            if lower.contains("token") {
                0
            } else if lower == "id" {
                1
            } else {
                2
            }
        };
        leaves.sort_by_key(rank);
        leaves.truncate(MAX_LEAVES);
        leaves
    }

    /// A document asking root `field` (a mutation with `mutation`), each of its arguments
    /// (only the required ones with `required_only`) given as a variable of the same name,
    /// selecting its leaves. `None` when it selects an object with no leaf to ask.
    pub fn document(&self, field: &Field, mutation: bool, required_only: bool) -> Option<String> {
        let arguments: Vec<&Argument> = field
            .arguments
            .iter()
            .filter(|a| !required_only || a.ty.required())
            .collect();
        let selection = if self.composites.contains_key(&field.ty.name) {
            let leaves = self.leaves(&field.ty.name);
            if leaves.is_empty() {
                return None;
            }
            format!(" {{ {} }}", leaves.join(" "))
        } else {
            String::new()
        };
        let (definitions, given) = if arguments.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!(
                    "({})",
                    arguments
                        .iter()
                        .map(|a| format!("${}: {}", a.name, a.ty.text))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!(
                    "({})",
                    arguments
                        .iter()
                        .map(|a| format!("{0}: ${0}", a.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        let kind = if mutation { "mutation" } else { "query" };
        Some(format!(
            "{kind}{definitions} {{ {}{given}{selection} }}",
            field.name
        ))
    }

    /// Root queries that read one object by their only required argument, each with the
    /// root list of its type that needs no argument, in the schema's order.
    pub fn lookups(&self) -> Vec<Lookup> {
        self.queries
            .iter()
            .filter(|field| {
                !field.ty.list
                    && self.composites.contains_key(&field.ty.name)
                    && field.arguments.iter().filter(|a| a.ty.required()).count() == 1
            })
            .filter_map(|field| {
                Some(Lookup {
                    document: self.document(field, false, true)?,
                    field: field.name.clone(),
                    own: self.own_id(&field.ty.name),
                })
            })
            .collect()
    }

    /// Root queries that take text to look for (`search(term: String!)`): every required
    /// argument a `String`, returning an object or a list of them. As (field, document,
    /// the required arguments), in the schema's order.
    pub fn searches(&self) -> Vec<(String, String, Vec<String>)> {
        self.queries
            .iter()
            .filter(|field| {
                let required: Vec<&Argument> =
                    field.arguments.iter().filter(|a| a.ty.required()).collect();
                !required.is_empty()
                    && required.iter().all(|a| a.ty.name == "String" && !a.ty.list)
                    && self.composites.contains_key(&field.ty.name)
            })
            .filter_map(|field| {
                Some((
                    field.name.clone(),
                    self.document(field, false, true)?,
                    field
                        .arguments
                        .iter()
                        .filter(|a| a.ty.required())
                        .map(|a| a.name.clone())
                        .collect(),
                ))
            })
            .collect()
    }

    /// Where a caller is shown an id of `type_name` of its own: the root list of it that
    /// needs no argument, else a root object with no argument (`me`) with a field of it.
    /// `None` when the type has no `id`, or nothing leads to one.
    fn own_id(&self, type_name: &str) -> Option<IdSource> {
        let no_arguments = |f: &&Field| f.arguments.iter().all(|a| !a.ty.required());
        self.composites
            .get(type_name)?
            .iter()
            .find(|f| f.name == "id" && !f.ty.list)?;
        if let Some(list) = self
            .queries
            .iter()
            .filter(no_arguments)
            .find(|f| f.ty.list && f.ty.name == type_name)
        {
            return Some(IdSource::list(&list.name));
        }
        self.queries
            .iter()
            .filter(no_arguments)
            .filter(|root| !root.ty.list)
            .find_map(|root| {
                let inner = self
                    .composites
                    .get(&root.ty.name)?
                    .iter()
                    .filter(no_arguments)
                    .find(|f| !f.ty.list && f.ty.name == type_name)?;
                Some(IdSource {
                    document: format!("{{ {} {{ {} {{ id }} }} }}", root.name, inner.name),
                    pointer: format!("/data/{}/{}/id", root.name, inner.name),
                    label: format!("{} (via {})", inner.name, root.name),
                })
            })
    }
}

/// An introspected `__Type` as SDL would write it.
fn introspected_type(ty: &Value) -> Option<TypeRef> {
    let kind = ty.get("kind")?.as_str()?;
    match kind {
        "NON_NULL" => Some(introspected_type(ty.get("ofType")?)?.non_null()),
        "LIST" => Some(TypeRef::list_of(introspected_type(ty.get("ofType")?)?)),
        _ => Some(TypeRef::named(ty.get("name")?.as_str()?)),
    }
}

fn sdl_field(field: cst::FieldDefinition) -> Option<Field> {
    Some(Field {
        name: field.name()?.text().to_string(),
        arguments: field
            .arguments_definition()
            .iter()
            .flat_map(|a| a.input_value_definitions())
            .filter_map(|argument| {
                Some(Argument {
                    name: argument.name()?.text().to_string(),
                    ty: sdl_type(argument.ty()?)?,
                })
            })
            .collect(),
        ty: sdl_type(field.ty()?)?,
    })
}

fn sdl_type(ty: cst::Type) -> Option<TypeRef> {
    match ty {
        cst::Type::NamedType(named) => Some(TypeRef::named(&named.name()?.text())),
        cst::Type::ListType(list) => Some(TypeRef::list_of(sdl_type(list.ty()?)?)),
        cst::Type::NonNullType(non_null) => match (non_null.named_type(), non_null.list_type()) {
            (Some(named), _) => Some(TypeRef::named(&named.name()?.text()).non_null()),
            (_, Some(list)) => Some(TypeRef::list_of(sdl_type(list.ty()?)?).non_null()),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        "The app's API"
        type Query { me: User invoice(id: ID!): Invoice invoices: [Invoice!]! posts: [Post!]! org(id: ID!): Org }
        type Mutation { login(email: String!, password: String!): Session }
        type User { id: ID! email: String! org: Org! }
        type Org { id: ID! name: String! invoices: [Invoice!]! }
        type Invoice { id: ID! title: String! amount: Int! org: Org! }
        type Post { id: ID! title: String! }
        type Session { token: String! }
        extend type Query { search(term: String!): [Invoice!]! }
    "#;

    #[test]
    fn lookups_pair_a_read_by_id_with_the_list_of_its_type() {
        let schema = Schema::from_sdl(SDL).expect("a schema");
        assert_eq!(
            schema.lookups(),
            [
                Lookup {
                    document: "query($id: ID!) { invoice(id: $id) { id title amount } }".into(),
                    field: "invoice".into(),
                    own: Some(IdSource::list("invoices")),
                },
                Lookup {
                    document: "query($id: ID!) { org(id: $id) { id name } }".into(),
                    field: "org".into(),
                    own: Some(IdSource {
                        document: "{ me { org { id } } }".into(),
                        pointer: "/data/me/org/id".into(),
                        label: "org (via me)".into(),
                    }),
                },
            ]
        );
        assert_eq!(
            schema.searches(),
            [(
                "search".to_string(),
                "query($term: String!) { search(term: $term) { id title amount } }".to_string(),
                vec!["term".to_string()]
            )]
        );
        let login = &schema.mutations[0];
        assert_eq!(
            schema.document(login, true, false).as_deref(),
            Some(
                "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }"
            )
        );
        // A list argument keeps its brackets.
        assert_eq!(
            Schema::from_sdl("type Query { a(ids: [ID!]!): [Post] } type Post { id: ID }")
                .expect("a schema")
                .queries[0]
                .arguments[0]
                .ty
                .text,
            "[ID!]!"
        );
    }

    #[test]
    fn an_introspection_answer_reads_as_the_same_schema() {
        let t = |kind: &str, name: &str| serde_json::json!({ "kind": kind, "name": name });
        let non_null =
            |inner: Value| serde_json::json!({ "kind": "NON_NULL", "name": null, "ofType": inner });
        let answer = serde_json::json!({ "data": { "__schema": {
            "queryType": { "name": "Query" },
            "mutationType": null,
            "types": [
                { "kind": "OBJECT", "name": "Query", "fields": [
                    { "name": "invoice", "args": [ { "name": "id", "type": non_null(t("SCALAR", "ID")) } ], "type": t("OBJECT", "Invoice") },
                    { "name": "invoices", "args": [], "type": non_null(serde_json::json!({ "kind": "LIST", "name": null, "ofType": non_null(t("OBJECT", "Invoice")) })) }
                ] },
                { "kind": "OBJECT", "name": "Invoice", "fields": [
                    { "name": "id", "args": [], "type": non_null(t("SCALAR", "ID")) }
                ] },
                { "kind": "OBJECT", "name": "__Schema", "fields": [] },
                { "kind": "SCALAR", "name": "ID", "fields": null }
            ]
        } } });
        let schema = Schema::from_introspection(&answer).expect("a schema");
        assert_eq!(schema.queries[1].ty.text, "[Invoice!]!");
        assert!(schema.mutations.is_empty());
        assert_eq!(schema.lookups()[0].own, Some(IdSource::list("invoices")));
        assert!(Schema::from_introspection(&serde_json::json!({ "errors": [] })).is_err());
        assert!(Schema::from_sdl("type Query {").is_err());
    }
}

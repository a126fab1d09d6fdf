//! What a GraphQL document selects, read with apollo-parser (Apollo's spec-compliant
//! parser) rather than by pattern: its operation's kind and root fields.

use apollo_parser::Parser;
use apollo_parser::cst::{self, CstNode};

/// One operation's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub mutation: bool,
    /// Root fields selected, by name (not alias), in order.
    pub root_fields: Vec<String>,
    /// Root fields' arguments given by a variable: (field, argument, variable), in order
    /// (`invoice(id: $id)` → `("invoice", "id", "id")`).
    pub variable_arguments: Vec<(String, String, String)>,
    /// Each root field's first selected sub-field (`login(…) { token }` → `("login",
    /// "token")`).
    pub first_selections: Vec<(String, String)>,
}

/// Reads the first operation of `text`; an error says why it is not a document.
pub fn read(text: &str) -> Result<Document, String> {
    let tree = Parser::new(text)
        .recursion_limit(64)
        .token_limit(10_000)
        .parse();
    if let Some(error) = tree.errors().next() {
        return Err(error.message().to_string());
    }
    let operation = tree
        .document()
        .definitions()
        .find_map(|d| match d {
            cst::Definition::OperationDefinition(op) => Some(op),
            _ => None,
        })
        .ok_or("no operation in the document")?;
    let mutation = operation
        .operation_type()
        .is_some_and(|t| t.mutation_token().is_some());
    let fields: Vec<cst::Field> = operation
        .selection_set()
        .map(|set| {
            set.selections()
                .filter_map(|s| match s {
                    cst::Selection::Field(field) => Some(field),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let root_fields = fields
        .iter()
        .filter_map(|field| field.name().map(|n| n.text().to_string()))
        .collect();
    let mut variable_arguments = Vec::new();
    let mut first_selections = Vec::new();
    for field in &fields {
        let Some(name) = field.name() else { continue };
        if let Some(first) = field.selection_set().and_then(|set| {
            set.selections().find_map(|s| match s {
                cst::Selection::Field(sub) => sub.name(),
                _ => None,
            })
        }) {
            first_selections.push((name.text().to_string(), first.text().to_string()));
        }
        for argument in field.arguments().into_iter().flat_map(|a| a.arguments()) {
            if let (Some(argument_name), Some(cst::Value::Variable(variable))) =
                (argument.name(), argument.value())
                && let Some(variable) = variable.name()
            {
                variable_arguments.push((
                    name.text().to_string(),
                    argument_name.text().to_string(),
                    variable.text().to_string(),
                ));
            }
        }
    }
    let _ = operation.syntax();
    Ok(Document {
        mutation,
        root_fields,
        variable_arguments,
        first_selections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kind_and_root_fields() {
        let doc = read("query($id: ID!) { a: invoice(id: $id) { id } me { id } }").unwrap();
        assert_eq!(doc.root_fields, ["invoice", "me"]);
        assert_eq!(
            doc.variable_arguments,
            [("invoice".to_string(), "id".to_string(), "id".to_string())]
        );
        assert!(!doc.mutation);
        assert_eq!(
            doc.first_selections,
            [
                ("invoice".to_string(), "id".to_string()),
                ("me".to_string(), "id".to_string())
            ]
        );
        assert!(
            read("mutation { login(email: \"x\") { token } }")
                .unwrap()
                .mutation
        );
        assert!(read("{ unclosed").is_err());
    }
}

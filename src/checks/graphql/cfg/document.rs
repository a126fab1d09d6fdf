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
    let root_fields = operation
        .selection_set()
        .map(|set| {
            set.selections()
                .filter_map(|s| match s {
                    cst::Selection::Field(field) => field.name().map(|n| n.text().to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let _ = operation.syntax();
    Ok(Document {
        mutation,
        root_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kind_and_root_fields() {
        let doc = read("query($id: ID!) { a: invoice(id: $id) { id } me { id } }").unwrap();
        assert_eq!(doc.root_fields, ["invoice", "me"]);
        assert!(!doc.mutation);
        assert!(
            read("mutation { login(email: \"x\") { token } }")
                .unwrap()
                .mutation
        );
        assert!(read("{ unclosed").is_err());
    }
}

//! `FILL IN`: the marker `init` writes where it could not know a value. A profile with one
//! left in a value is not finished, so `validate` and `run` refuse it with the place, rather
//! than audit `GET /activity/FILL IN`. In comments it is advice and stays allowed.

use super::diag::{Locator, ProfileError};

pub const MARKER: &str = "FILL IN";

/// One error per `FILL IN` left outside a comment, in file order.
pub(crate) fn unfinished(locator: &Locator<'_>) -> Vec<ProfileError> {
    let mut errors = Vec::new();
    let mut table = String::new();
    let mut offset = 0;
    for line in locator.text.split_inclusive('\n') {
        let code = &line[..comment_start(line)];
        let trimmed = code.trim();
        if trimmed.starts_with('[') {
            table = trimmed
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim()
                .to_string();
        }
        if let Some(at) = code.find(MARKER) {
            let key = match code.split_once('=') {
                Some((key, _)) if !trimmed.starts_with('[') => {
                    let key = key.trim();
                    if table.is_empty() {
                        key.to_string()
                    } else {
                        format!("{table}.{key}")
                    }
                }
                _ => table.clone(),
            };
            errors.push(locator.error(
                Some(offset + at..offset + at + MARKER.len()),
                key,
                "`FILL IN` is left here: `init` could not know this value. Put the real one in (audit.example.toml explains the key), or delete the line if the key is optional",
            ));
        }
        offset += line.len();
    }
    errors
}

/// Where a line's comment starts (its length if it has none): the first `#` outside a
/// string.
fn comment_start(line: &str) -> usize {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return i,
            None => {}
        }
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_refused_comments_are_not() {
        let text = "[target]\nname = \"x\"   # FILL IN: a better name\nbase_url = \"FILL IN\"\n\n[tenants.b]\nteam_id = \"FILL IN\"   # FILL IN: an id b owns\nnote = \"a # is not a comment FILL IN\"\n";
        let locator = Locator {
            file: "p.toml",
            text,
        };
        let errors = unfinished(&locator);
        let places: Vec<(usize, usize, &str)> = errors
            .iter()
            .map(|e| (e.line, e.col, e.key.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                (3, 13, "target.base_url"),
                (6, 12, "tenants.b.team_id"),
                (7, 30, "tenants.b.note")
            ]
        );
    }
}

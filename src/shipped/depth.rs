//! How deep a parser would have to go into a script, estimated before it is parsed.
//!
//! oxc's parser descends recursively into nested brackets and into the constructs that
//! nest to the right (`a = b = c`, `a ? b : c ? d : e`, `x => y => z`, `!!!x`, `new new X`),
//! with no limit of its own: a hostile script of a few hundred kilobytes of `((((` would
//! overflow the stack and abort the whole audit. This scan is one pass over the text that
//! skips strings, template text, comments and regular expressions, and counts per
//! bracket level the brackets open plus the right-nesting operators seen in the current
//! expression; a script whose estimate passes [`MAX_DEPTH`] is not parsed (and says so).

/// Nesting a script may reach and still be parsed. Real bundles stay far below (tens).
pub const MAX_DEPTH: usize = 400;

/// Whether a `/` at this point starts a regular expression rather than a division: after
/// an operator, an opening bracket, a separator or nothing.
fn regex_may_start(previous: Option<u8>) -> bool {
    match previous {
        None => true,
        Some(b) => b"(,=:[!&|?{};+-*%<>~^".contains(&b),
    }
}

/// Skips template text from `i` (just past a backtick or a hole's `}`): to the closing
/// backtick, or into a `${`, which opens a level. Returns where the text ended (on the
/// backtick, or on the hole's `{`).
fn template_text(
    bytes: &[u8],
    mut i: usize,
    levels: &mut Vec<usize>,
    holes: &mut Vec<usize>,
) -> usize {
    while i < bytes.len() && bytes[i] != b'`' {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            levels.push(0);
            holes.push(levels.len() - 1);
            return i + 1;
        }
        i += 1;
    }
    i
}

/// The deepest nesting the parser would meet in `text`, as estimated; stops counting at
/// `MAX_DEPTH + 1`.
pub fn estimate(text: &str) -> usize {
    let bytes = text.as_bytes();
    // Per open bracket: the right-nesting operators of the expression in progress.
    let mut levels: Vec<usize> = vec![0];
    // The levels (by depth) that a template's `${` opened.
    let mut holes: Vec<usize> = Vec::new();
    let mut nested_operators = 0usize;
    let mut deepest = 0usize;
    let mut previous: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // Template text; a `${` opens a level whose `}` resumes the same template.
            b'`' => {
                i = template_text(bytes, i + 1, &mut levels, &mut holes);
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'/' if regex_may_start(previous) => {
                i += 1;
                let mut class = false;
                while i < bytes.len() && bytes[i] != b'\n' {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => levels.push(0),
            b')' | b']' | b'}' if levels.len() > 1 => {
                nested_operators -= levels.pop().unwrap_or(0);
                if b == b'}' && holes.last() == Some(&levels.len()) {
                    holes.pop();
                    i = template_text(bytes, i + 1, &mut levels, &mut holes);
                }
            }
            b';' | b',' => {
                if let Some(top) = levels.last_mut() {
                    nested_operators -= *top;
                    *top = 0;
                }
            }
            // Assignment and arrows (not `==`, `<=`, `>=`, `!=`), the conditional (not
            // `?.`, `??`), and prefix operators: each nests the rest of the expression.
            b'=' | b'?' | b'!' | b'~' => {
                let next = bytes.get(i + 1).copied();
                let comparison = b == b'='
                    && (next == Some(b'=') || matches!(previous, Some(b'=' | b'<' | b'>' | b'!')));
                let chaining = b == b'?' && matches!(next, Some(b'.' | b'?'));
                let inequality = b == b'!' && next == Some(b'=');
                if !comparison
                    && !chaining
                    && !inequality
                    && let Some(top) = levels.last_mut()
                {
                    *top += 1;
                    nested_operators += 1;
                }
            }
            _ => {}
        }
        deepest = deepest.max(levels.len() - 1 + nested_operators);
        if deepest > MAX_DEPTH {
            return deepest;
        }
        previous = Some(b);
        i += 1;
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_code_is_shallow_and_hostile_code_is_not() {
        let minified = r#"const a=(e,t={})=>fetch(e,{...t,headers:{a:`Bearer ${x("t")}`}}).then(r=>r.json());if(a!==b&&c==d){x=y?.z??w}/* ((( */const s="((((";const r=/[(]{3}/g;"#;
        assert!(estimate(minified) < 20, "{}", estimate(minified));
        let parens = format!("x={}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(estimate(&parens) > MAX_DEPTH);
        let assignments = format!("{}1", "a=".repeat(5000));
        assert!(estimate(&assignments) > MAX_DEPTH);
        let negations = format!("x={}1", "!".repeat(5000));
        assert!(estimate(&negations) > MAX_DEPTH);
        // A regular expression's brackets do not hide real nesting.
        let hidden = format!("x={}/)))))))/", "(".repeat(5000));
        assert!(estimate(&hidden) > MAX_DEPTH);
        // Nor does a template whose hole closes before the real nesting.
        let after_a_template = format!("a=`x${{1}}y`;{}1", "(".repeat(5000));
        assert!(estimate(&after_a_template) > MAX_DEPTH);
        let nested_templates = "a=`x${`y${z}`}w`;b=(1)";
        assert!(
            estimate(nested_templates) < 10,
            "{}",
            estimate(nested_templates)
        );
    }
}

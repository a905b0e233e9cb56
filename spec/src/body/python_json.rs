//! Python's `json.loads` errors as FastAPI reports them (`json_invalid`, with the character
//! offset in `loc` and the decoder's message in `ctx.error`), from serde_json's errors.

use serde_json::{json, Value};

/// Python's `json.loads` error, as FastAPI reports it (`loc` holds the character offset).
pub(super) fn json_invalid(text: &str, e: &serde_json::Error) -> Value {
    if e.is_eof() {
        let (offset, python) = eof_error(text);
        return json!({"type": "json_invalid", "loc": ["body", offset], "msg": "JSON decode error", "input": {}, "ctx": {"error": python}});
    }
    // serde reports 1-based line and column (in bytes) of the offending character.
    let mut offset = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        if i + 1 == e.line() {
            let col = e.column().saturating_sub(1).min(line.len());
            let col = (0..=col)
                .rev()
                .find(|c| line.is_char_boundary(*c))
                .unwrap_or(0);
            offset += line[..col].chars().count();
            break;
        }
        offset += line.chars().count() + 1;
    }
    let msg = e.to_string();
    if msg.contains("expected ident") {
        // A misspelt `true`/`false`/`null`: serde stops inside it, Python at its first letter.
        let before: Vec<char> = text.chars().take(offset).collect();
        offset -= before.iter().rev().take_while(|c| c.is_ascii_alphabetic()).count();
    }
    let python = if msg.contains("trailing characters") {
        "Extra data"
    } else if msg.contains("key must be a string") {
        "Expecting property name enclosed in double quotes"
    } else if msg.contains("expected `:`") {
        "Expecting ':' delimiter"
    } else if msg.contains("expected `,` or `}`") || msg.contains("expected `,` or `]`") {
        "Expecting ',' delimiter"
    } else if msg.contains("control character") {
        "Invalid control character at"
    } else if msg.contains("EOF while parsing a string") {
        "Unterminated string starting at"
    } else {
        "Expecting value"
    };
    json!({"type": "json_invalid", "loc": ["body", offset], "msg": "JSON decode error", "input": {}, "ctx": {"error": python}})
}

/// Where and why Python's `json.loads` stops on a text that ends too early: serde only says
/// "EOF"; Python names what it expected next (at the end of the text), or points at the start
/// of an unterminated string.
fn eof_error(text: &str) -> (usize, &'static str) {
    #[derive(Clone, Copy)]
    enum Expect {
        Value,
        Key,
        Colon,
        Comma,
    }
    let chars: Vec<char> = text.chars().collect();
    let mut stack: Vec<char> = Vec::new();
    let mut expect = Expect::Value;
    let after_value = |stack: &Vec<char>| match stack.last() {
        Some(_) => Expect::Comma,
        None => Expect::Value,
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => {}
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return (start, "Unterminated string starting at");
                }
                expect = match expect {
                    Expect::Key => Expect::Colon,
                    _ => after_value(&stack),
                };
            }
            '{' => {
                stack.push('{');
                expect = Expect::Key;
            }
            '[' => {
                stack.push('[');
                expect = Expect::Value;
            }
            '}' | ']' => {
                stack.pop();
                expect = after_value(&stack);
            }
            ':' => expect = Expect::Value,
            ',' => {
                expect = if stack.last() == Some(&'{') {
                    Expect::Key
                } else {
                    Expect::Value
                }
            }
            _ => {
                while i + 1 < chars.len()
                    && !matches!(chars[i + 1], ',' | ':' | ']' | '}')
                    && !chars[i + 1].is_whitespace()
                {
                    i += 1;
                }
                expect = after_value(&stack);
            }
        }
        i += 1;
    }
    let msg = match expect {
        Expect::Value => "Expecting value",
        Expect::Key => "Expecting property name enclosed in double quotes",
        Expect::Colon => "Expecting ':' delimiter",
        Expect::Comma => "Expecting ',' delimiter",
    };
    (chars.len(), msg)
}

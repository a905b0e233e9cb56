//! The masking file (`compat-tests/masks.toml`) and the masking engine.
//!
//! Masking replaces what legitimately differs between two runs (ids, tokens, clocks) with
//! placeholders, before a byte comparison. Every mask carries a written reason, and the report
//! lists them. Three kinds, applied in this order:
//! 1. runtime literals: each side's own base URL and fake-upstream URL (`<self>`, `<upstream>`);
//! 2. `[[field]]`: the value of a JSON member with that name, replaced by a placeholder of the
//!    same JSON type (`"<f:name>"`, `<f:name:number>`, ...); `null`, `true` and `false` are kept,
//!    so a value against a null still shows;
//! 3. `[[pattern]]`: a regular expression over the raw bytes. `numbered = true` replaces each
//!    distinct match by `<name:N>`, N counting distinct values in order of first appearance per side
//!    and scenario, so "the id step 2 returned is the one step 5 returns" is still compared.
//!    `jwt_claims = true` adds the token's algorithm and claim names (not values) to the placeholder.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Context, Result};
use base64::Engine;
use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderRules {
    /// Response headers compared besides the status and body (lower case).
    pub compared: Vec<String>,
    /// Why every other header is ignored.
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PatternMask {
    pub name: String,
    pub regex: String,
    #[serde(default)]
    pub numbered: bool,
    #[serde(default)]
    pub jwt_claims: bool,
    /// Instead of a placeholder: the regex's first group (a number) rounded to a multiple of this,
    /// written `~N` (for durations computed from the clock, where the magnitude still matters).
    pub round: Option<u64>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMask {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MasksFile {
    pub headers: HeaderRules,
    #[serde(rename = "pattern", default)]
    pub patterns: Vec<PatternMask>,
    #[serde(rename = "field", default)]
    pub fields: Vec<FieldMask>,
}

pub struct Masks {
    pub file: MasksFile,
    patterns: Vec<(PatternMask, Regex)>,
    /// `"(a|b|c)"\s*:\s*` over every masked field name.
    field_key: Option<Regex>,
}

/// Numbering of masked values, one per side and scenario.
#[derive(Debug, Default, Clone)]
pub struct MaskState {
    seen: HashMap<String, HashMap<Vec<u8>, usize>>,
}

/// A side's own values that differ from the other side's by construction.
#[derive(Debug, Clone, Default)]
pub struct Literals(pub Vec<(String, &'static str)>);

impl Literals {
    pub fn new(pairs: &[(&str, &'static str)]) -> Literals {
        let mut v: Vec<(String, &'static str)> = pairs.iter().filter(|(s, _)| !s.is_empty()).map(|(s, p)| (s.to_string(), *p)).collect();
        // Longest first, so that a URL is not half-replaced by a shorter one it contains.
        v.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        Literals(v)
    }
}

fn compile(re: &str) -> Result<Regex> {
    Ok(RegexBuilder::new(re).unicode(false).build()?)
}

impl Masks {
    pub fn load(path: &Path) -> Result<Masks> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let file: MasksFile = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
        Masks::new(file)
    }

    pub fn new(file: MasksFile) -> Result<Masks> {
        let mut patterns = Vec::new();
        for p in &file.patterns {
            if p.reason.trim().len() < 10 {
                bail!("mask {}: write the reason", p.name);
            }
            let re = compile(&p.regex).with_context(|| format!("mask {}", p.name))?;
            patterns.push((p.clone(), re));
        }
        for f in &file.fields {
            if f.reason.trim().len() < 10 {
                bail!("field mask {}: write the reason", f.name);
            }
        }
        let field_key = if file.fields.is_empty() {
            None
        } else {
            let alts: Vec<String> = file.fields.iter().map(|f| regex::escape(&f.name)).collect();
            Some(compile(&format!(r#""({})"\s*:\s*"#, alts.join("|")))?)
        };
        Ok(Masks { file, patterns, field_key })
    }

    /// The compared response headers.
    pub fn compared_headers(&self) -> &[String] {
        &self.file.headers.compared
    }

    /// Masks `input`; `state` carries the numbering across a side's responses.
    pub fn mask(&self, state: &mut MaskState, lits: &Literals, input: &[u8]) -> Vec<u8> {
        let mut cur = input.to_vec();
        for (lit, ph) in &lits.0 {
            cur = replace_all_literal(&cur, lit.as_bytes(), format!("<{ph}>").as_bytes());
        }
        if let Some(key) = &self.field_key {
            cur = mask_fields(key, &cur);
        }
        for (p, re) in &self.patterns {
            if let Some(step) = p.round {
                cur = re
                    .replace_all(&cur, |c: &regex::bytes::Captures| {
                        let all = c.get(0).unwrap();
                        let Some(g) = c.get(1) else { return all.as_bytes().to_vec() };
                        let n: u64 = String::from_utf8_lossy(g.as_bytes()).parse().unwrap_or(0);
                        let r = (n + step / 2) / step * step;
                        let mut out = all.as_bytes()[..g.start() - all.start()].to_vec();
                        out.extend_from_slice(format!("~{r}").as_bytes());
                        out.extend_from_slice(&all.as_bytes()[g.end() - all.start()..]);
                        out
                    })
                    .into_owned();
                continue;
            }
            let seen = state.seen.entry(p.name.clone()).or_default();
            cur = re
                .replace_all(&cur, |c: &regex::bytes::Captures| {
                    let m = c.get(0).unwrap().as_bytes();
                    let mut ph = p.name.clone();
                    if p.numbered {
                        let n = seen.len() + 1;
                        let n = *seen.entry(m.to_vec()).or_insert(n);
                        ph = format!("{ph}:{n}");
                    }
                    if p.jwt_claims {
                        ph = format!("{ph} {}", jwt_shape(m));
                    }
                    format!("<{ph}>").into_bytes()
                })
                .into_owned();
        }
        cur
    }

    /// The byte ranges of `input` that masking may hide, with the name of the mask (the self-test
    /// checks that an undetected change always falls inside one of them).
    pub fn spans(&self, lits: &Literals, input: &[u8]) -> Vec<(Range<usize>, String)> {
        let mut out = Vec::new();
        for (lit, ph) in &lits.0 {
            let mut from = 0;
            while let Some(i) = find(&input[from..], lit.as_bytes()) {
                out.push((from + i..from + i + lit.len(), format!("literal {ph}")));
                from += i + lit.len().max(1);
            }
        }
        if let Some(key) = &self.field_key {
            for c in key.captures_iter(input) {
                let m = c.get(0).unwrap();
                let name = String::from_utf8_lossy(c.get(1).unwrap().as_bytes()).to_string();
                if let Some(end) = value_end(input, m.end()) {
                    out.push((m.end()..end, format!("field {name}")));
                }
            }
        }
        for (p, re) in &self.patterns {
            for c in re.captures_iter(input) {
                let m = if p.round.is_some() { c.get(1).or(c.get(0)) } else { c.get(0) };
                if let Some(m) = m {
                    out.push((m.range(), format!("pattern {}", p.name)));
                }
            }
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn replace_all_literal(input: &[u8], lit: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = find(rest, lit) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + lit.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// `alg` and claim names of a JWT, e.g. `HS256 id,exp,jti`.
fn jwt_shape(token: &[u8]) -> String {
    let s = String::from_utf8_lossy(token);
    let mut parts = s.split('.');
    let dec = |p: Option<&str>| -> Option<serde_json::Value> {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p?.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&b).ok()
    };
    let header = dec(parts.next());
    let claims = dec(parts.next());
    let alg = header.as_ref().and_then(|h| h.get("alg")).and_then(|a| a.as_str()).unwrap_or("?").to_string();
    let names = match claims {
        Some(serde_json::Value::Object(m)) => m.keys().cloned().collect::<Vec<_>>().join(","),
        _ => "?".into(),
    };
    format!("{alg} {names}")
}

/// The end of the JSON value starting at `i` (after optional whitespace), or None.
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = *b.get(i)?;
    match start {
        b'"' => {
            let mut j = i + 1;
            while j < b.len() {
                match b[j] {
                    b'\\' => j += 2,
                    b'"' => return Some(j + 1),
                    _ => j += 1,
                }
            }
            None
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j += 1;
                        while j < b.len() && b[j] != b'"' {
                            if b[j] == b'\\' {
                                j += 1;
                            }
                            j += 1;
                        }
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace() {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

fn mask_fields(key: &Regex, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut last = 0;
    for c in key.captures_iter(input) {
        let m = c.get(0).unwrap();
        if m.start() < last {
            continue; // inside a value already masked
        }
        let name = String::from_utf8_lossy(c.get(1).unwrap().as_bytes()).to_string();
        let Some(end) = value_end(input, m.end()) else { continue };
        let value = &input[m.end()..end];
        let ph: Option<String> = match value.first() {
            Some(b'"') => Some(format!("\"<f:{name}>\"")),
            Some(b'{') => Some(format!("<f:{name}:object>")),
            Some(b'[') => Some(format!("<f:{name}:array>")),
            Some(b'-' | b'0'..=b'9') => Some(format!("<f:{name}:number>")),
            _ => None, // null, true, false: kept
        };
        if let Some(ph) = ph {
            out.extend_from_slice(&input[last..m.end()]);
            out.extend_from_slice(ph.as_bytes());
            last = end;
        }
    }
    out.extend_from_slice(&input[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks() -> Masks {
        Masks::load(&crate::crate_dir().join("masks.toml")).unwrap()
    }

    fn m(input: &str) -> String {
        String::from_utf8(masks().mask(&mut MaskState::default(), &Literals::default(), input.as_bytes())).unwrap()
    }

    #[test]
    fn uuids_are_numbered_by_first_appearance() {
        let a = "{\"id\":\"3f2b8c1e-1111-4a1b-9c1d-0123456789ab\",\"owner\":\"0c2b8c1e-2222-4a1b-9c1d-0123456789ab\",\"again\":\"3f2b8c1e-1111-4a1b-9c1d-0123456789ab\"}";
        assert_eq!(m(a), "{\"id\":\"<uuid:1>\",\"owner\":\"<uuid:2>\",\"again\":\"<uuid:1>\"}");
        // The same shape with a different reuse pattern is visible.
        let b = "{\"id\":\"3f2b8c1e-1111-4a1b-9c1d-0123456789ab\",\"owner\":\"0c2b8c1e-2222-4a1b-9c1d-0123456789ab\",\"again\":\"0c2b8c1e-2222-4a1b-9c1d-0123456789ab\"}";
        assert_ne!(m(a), m(b));
    }

    #[test]
    fn jwts_show_their_claim_names() {
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let c = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"id":"x","exp":1,"jti":"y"}"#);
        let t = format!("{{\"token\":\"{h}.{c}.c2lnbmF0dXJl\"}}");
        assert_eq!(m(&t), "{\"token\":\"<jwt:1 HS256 id,exp,jti>\"}");
    }

    #[test]
    fn timestamps_are_masked_but_not_other_numbers() {
        assert_eq!(m("{\"created_at\":1764140000,\"n\":12,\"v\":\"0.12.4\"}"), "{\"created_at\":<ts>,\"n\":12,\"v\":\"0.12.4\"}");
        assert_eq!(m("{\"t\":1764140000123456789}"), "{\"t\":<ts>}");
        assert_eq!(m("{\"t\":1764140000.5123}"), "{\"t\":<ts>}");
        assert_eq!(m("\"2025-11-26T07:02:00.123456Z\""), "\"<datetime>\"");
        assert_eq!(m("token=x; expires=Wed, 24 Dec 2025 07:02:00 GMT; Path=/"), "token=x; expires=<http-date>; Path=/");
    }

    #[test]
    fn clock_durations_are_rounded_not_hidden() {
        assert_eq!(m("token=x; HttpOnly; Max-Age=2419197; Path=/"), "token=x; HttpOnly; Max-Age=~2419200; Path=/");
        assert_eq!(m("token=x; max-age=2419198"), "token=x; max-age=~2419200");
        assert_eq!(m("token=x; Max-Age=604800"), "token=x; Max-Age=~604800");
        assert_eq!(m("token=\"\"; Max-Age=0"), "token=\"\"; Max-Age=~0");
    }

    #[test]
    fn field_masks_keep_the_json_type() {
        let ms = Masks::new(MasksFile {
            headers: HeaderRules { compared: vec![], reason: "test only ok".into() },
            patterns: vec![],
            fields: vec![FieldMask { name: "last_active_at".into(), reason: "a clock, test only".into() }],
        })
        .unwrap();
        let mm = |s: &str| String::from_utf8(ms.mask(&mut MaskState::default(), &Literals::default(), s.as_bytes())).unwrap();
        assert_eq!(mm(r#"{"last_active_at": 17, "x": 1}"#), r#"{"last_active_at": <f:last_active_at:number>, "x": 1}"#);
        assert_eq!(mm(r#"{"last_active_at":null}"#), r#"{"last_active_at":null}"#);
        assert_eq!(mm(r#"{"last_active_at":{"a":"}"},"x":2}"#), r#"{"last_active_at":<f:last_active_at:object>,"x":2}"#);
        assert_eq!(mm(r#"{"last_active_at":"a\"b","x":2}"#), r#"{"last_active_at":"<f:last_active_at>","x":2}"#);
        let spans = ms.spans(&Literals::default(), br#"{"last_active_at": 17, "x": 1}"#);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].0, 19..21);
    }

    #[test]
    fn literals_are_replaced_longest_first() {
        let lits = Literals::new(&[("http://127.0.0.1:1", "self"), ("http://127.0.0.1:12", "upstream")]);
        let out = masks().mask(&mut MaskState::default(), &lits, b"http://127.0.0.1:12/v1 http://127.0.0.1:1/x");
        assert_eq!(String::from_utf8(out).unwrap(), "<upstream>/v1 <self>/x");
    }
}

//! Just enough of BeautifulSoup 4 (with Python's `html.parser`) to reproduce what `env.py`
//! does with python-markdown's output: build the tree, find elements, `get_text`, and
//! `str(tag)` with bs4's "minimal" formatter.
//!
//! Emulated details that change the output: character references decoded (bs4 turns an
//! unknown `&name;` into `&name`), all-ASCII-whitespace strings collapsed to one `"\n"` or
//! `" "`, void elements closed at once and written `<br/>`, an end tag closing every element
//! opened after its start tag, attribute values re-escaped and quoted as bs4 quotes them.

use super::markdown::py_strip;

#[derive(Debug)]
enum Kind {
    Element { name: String, attrs: Vec<(String, String)> },
    Text(String),
    Comment(String),
}

#[derive(Debug)]
struct SNode {
    kind: Kind,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// A parsed document; node 0 is the document itself.
pub struct Soup {
    nodes: Vec<SNode>,
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "menuitem", "meta", "param", "source",
    "track", "wbr", "basefont", "bgsound", "command", "frame", "image", "isindex", "nextid", "spacer",
];
const PRESERVE_WHITESPACE: &[&str] = &["pre", "textarea"];

struct Builder {
    soup: Soup,
    stack: Vec<usize>,
    data: String,
    has_data: bool,
    already_closed_empty: Vec<String>,
    preserve: usize,
}

impl Builder {
    fn current(&self) -> usize {
        *self.stack.last().unwrap()
    }

    fn push_node(&mut self, kind: Kind) -> usize {
        let parent = self.current();
        self.soup.nodes.push(SNode { kind, parent: Some(parent), children: Vec::new() });
        let id = self.soup.nodes.len() - 1;
        self.soup.nodes[parent].children.push(id);
        id
    }

    fn handle_data(&mut self, s: &str) {
        self.data.push_str(s);
        self.has_data = true;
    }

    fn end_data(&mut self) {
        if !self.has_data {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        self.has_data = false;
        if self.preserve == 0 && data.chars().all(|c| matches!(c, ' ' | '\n' | '\t' | '\u{c}' | '\r')) {
            data = if data.contains('\n') { "\n".into() } else { " ".into() };
        }
        self.push_node(Kind::Text(data));
    }

    fn start_tag(&mut self, name: String, attrs: Vec<(String, String)>, self_closing: bool) {
        self.end_data();
        let mut merged: Vec<(String, String)> = Vec::new();
        for (k, v) in attrs {
            match merged.iter_mut().find(|(mk, _)| *mk == k) {
                Some(slot) => slot.1 = v,
                None => merged.push((k, v)),
            }
        }
        let id = self.push_node(Kind::Element { name: name.clone(), attrs: merged });
        self.stack.push(id);
        if PRESERVE_WHITESPACE.contains(&name.as_str()) {
            self.preserve += 1;
        }
        if self_closing {
            self.end_tag(&name, false);
        } else if VOID.contains(&name.as_str()) {
            self.end_tag(&name, false);
            self.already_closed_empty.push(name);
        }
    }

    fn end_tag(&mut self, name: &str, check_already_closed: bool) {
        if check_already_closed {
            if let Some(i) = self.already_closed_empty.iter().position(|n| n == name) {
                self.already_closed_empty.remove(i);
                return;
            }
        }
        self.end_data();
        // `_popToTag`: only when such an element is open.
        let open = self.stack[1..].iter().any(|&n| self.soup.name(n) == Some(name));
        if !open {
            return;
        }
        while self.stack.len() > 1 {
            let top = self.stack.pop().unwrap();
            if self.soup.name(top).is_some_and(|n| PRESERVE_WHITESPACE.contains(&n)) {
                self.preserve -= 1;
            }
            if self.soup.name(top) == Some(name) {
                break;
            }
        }
    }

    fn comment(&mut self, text: &str) {
        self.end_data();
        self.push_node(Kind::Comment(text.to_string()));
    }
}

impl Soup {
    /// `BeautifulSoup(html, 'html.parser')`.
    pub fn parse(html: &str) -> Soup {
        let mut b = Builder {
            soup: Soup { nodes: vec![SNode { kind: Kind::Element { name: "[document]".into(), attrs: vec![] }, parent: None, children: vec![] }] },
            stack: vec![0],
            data: String::new(),
            has_data: false,
            already_closed_empty: Vec::new(),
            preserve: 0,
        };
        let bytes = html.as_bytes();
        let mut i = 0;
        while i < html.len() {
            let j = html[i..].find(['<', '&']).map_or(html.len(), |p| p + i);
            if j > i {
                b.handle_data(&html[i..j]);
            }
            if j >= html.len() {
                break;
            }
            i = j;
            if bytes[i] == b'<' {
                let next = bytes.get(i + 1).copied();
                if next.is_some_and(|c| c.is_ascii_alphabetic()) {
                    match parse_start_tag(html, i) {
                        Some((name, attrs, self_closing, end)) => {
                            b.start_tag(name, attrs, self_closing);
                            i = end;
                        }
                        None => {
                            b.handle_data("<");
                            i += 1;
                        }
                    }
                } else if next == Some(b'/') && bytes.get(i + 2).is_some_and(|c| c.is_ascii_alphabetic()) {
                    match html[i..].find('>') {
                        Some(e) => {
                            let inner = &html[i + 2..i + e];
                            let name: String = inner
                                .split(|c: char| c.is_whitespace() || c == '/')
                                .next()
                                .unwrap_or("")
                                .to_lowercase();
                            b.end_tag(&name, true);
                            i += e + 1;
                        }
                        None => {
                            b.handle_data("<");
                            i += 1;
                        }
                    }
                } else if html[i..].starts_with("<!--") {
                    match html[i + 4..].find("-->") {
                        Some(e) => {
                            b.comment(&html[i + 4..i + 4 + e]);
                            i += 4 + e + 3;
                        }
                        None => {
                            b.handle_data("<");
                            i += 1;
                        }
                    }
                } else {
                    b.handle_data("<");
                    i += 1;
                }
            } else {
                // '&': a character or entity reference, else a literal '&'.
                let (text, end) = reference(html, i);
                b.handle_data(&text);
                i = end;
            }
        }
        b.end_data();
        b.soup
    }

    fn name(&self, n: usize) -> Option<&str> {
        match &self.nodes[n].kind {
            Kind::Element { name, .. } => Some(name),
            _ => None,
        }
    }

    pub fn root(&self) -> usize {
        0
    }

    pub fn tag_name(&self, n: usize) -> Option<&str> {
        self.name(n)
    }

    /// `tag.find_all(name)`: descendants in document order.
    pub fn find_all(&self, n: usize, name: &str) -> Vec<usize> {
        let mut out = Vec::new();
        self.descendants(n, &mut |d| {
            if self.name(d) == Some(name) {
                out.push(d);
            }
        });
        out
    }

    fn descendants(&self, n: usize, f: &mut dyn FnMut(usize)) {
        for &c in &self.nodes[n].children {
            f(c);
            self.descendants(c, f);
        }
    }

    /// `tag.find_next_sibling(name)`: the next element sibling (with that name, if given).
    pub fn find_next_sibling(&self, n: usize, name: Option<&str>) -> Option<usize> {
        let parent = self.nodes[n].parent?;
        let siblings = &self.nodes[parent].children;
        let pos = siblings.iter().position(|&s| s == n)?;
        siblings[pos + 1..].iter().copied().find(|&s| match self.name(s) {
            Some(sn) => name.is_none_or(|want| want == sn),
            None => false,
        })
    }

    /// `tag.get_text(separator, strip)`.
    pub fn get_text(&self, n: usize, separator: &str, strip: bool) -> String {
        let mut parts: Vec<&str> = Vec::new();
        self.descendants(n, &mut |d| {
            if let Kind::Text(t) = &self.nodes[d].kind {
                let t = if strip { py_strip(t) } else { t.as_str() };
                if !(strip && t.is_empty()) {
                    parts.push(t);
                }
            }
        });
        parts.join(separator)
    }

    /// `str(tag)`.
    pub fn to_html(&self, n: usize) -> String {
        let mut out = String::new();
        self.write(n, &mut out);
        out
    }

    fn write(&self, n: usize, out: &mut String) {
        match &self.nodes[n].kind {
            Kind::Text(t) => out.push_str(&substitute_xml(t)),
            Kind::Comment(t) => {
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
            Kind::Element { name, attrs } => {
                out.push('<');
                out.push_str(name);
                for (k, v) in attrs {
                    out.push(' ');
                    out.push_str(k);
                    out.push('=');
                    out.push_str(&quoted_attribute_value(&substitute_xml(v)));
                }
                if self.nodes[n].children.is_empty() && VOID.contains(&name.as_str()) {
                    out.push_str("/>");
                    return;
                }
                out.push('>');
                for &c in &self.nodes[n].children {
                    self.write(c, out);
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
        }
    }
}

fn substitute_xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn quoted_attribute_value(v: &str) -> String {
    if v.contains('"') {
        if v.contains('\'') {
            format!("\"{}\"", v.replace('"', "&quot;"))
        } else {
            format!("'{v}'")
        }
    } else {
        format!("\"{v}\"")
    }
}

/// A start tag: name, attributes, whether it ends in `/>`, and the offset after it.
type StartTag = (String, Vec<(String, String)>, bool, usize);

/// Parses `<name attr=value ...>` at `i`.
fn parse_start_tag(html: &str, i: usize) -> Option<StartTag> {
    let close = html[i..].find('>')? + i;
    let inner = &html[i + 1..close];
    let self_closing = inner.ends_with('/');
    let name_end = inner.find(['\t', '\n', '\r', '\u{c}', ' ', '/', '\0']).unwrap_or(inner.len());
    let name = inner[..name_end].to_lowercase();
    let mut rest = &inner[name_end..];
    let mut attrs = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            break;
        }
        let key_end = rest.find(|c: char| c.is_whitespace() || c == '/' || c == '=' || c == '>').unwrap_or(rest.len());
        let key = rest[..key_end].to_lowercase();
        rest = &rest[key_end..];
        let after_ws = rest.trim_start();
        let mut value = String::new();
        if let Some(v) = after_ws.strip_prefix('=') {
            let v = v.trim_start_matches('=').trim_start();
            if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') {
                match v[1..].find(q) {
                    Some(e) => {
                        value = unescape(&v[1..1 + e]);
                        rest = &v[e + 2..];
                    }
                    None => {
                        value = unescape(&v[1..]);
                        rest = "";
                    }
                }
            } else {
                let e = v.find(char::is_whitespace).unwrap_or(v.len());
                value = unescape(&v[..e]);
                rest = &v[e..];
            }
        }
        if key.is_empty() {
            break;
        }
        attrs.push((key, value));
    }
    Some((name, attrs, self_closing, close + 1))
}

/// The text a `&...` at `i` stands for (as bs4 handles `handle_charref`/`handle_entityref`),
/// and where parsing goes on.
fn reference(html: &str, i: usize) -> (String, usize) {
    let rest = &html[i + 1..];
    if let Some(num) = rest.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex.bytes().take_while(u8::is_ascii_hexdigit).count(), 16, 1),
            None => (num.bytes().take_while(u8::is_ascii_digit).count(), 10, 0),
        };
        let start = i + 2 + skip;
        let end = start + digits;
        if digits > 0 && end < html.len() {
            let text = u32::from_str_radix(&html[start..end], radix).ok().map(numeric_reference).unwrap_or('\u{fffd}');
            let next = if html.as_bytes()[end] == b';' { end + 1 } else { end };
            return (text.to_string(), next);
        }
        return ("&".into(), i + 1);
    }
    let name_len = rest
        .char_indices()
        .take_while(|(k, c)| if *k == 0 { c.is_ascii_alphabetic() } else { c.is_ascii_alphanumeric() || *c == '-' || *c == '.' })
        .count();
    let end = i + 1 + name_len;
    if name_len > 0 && end < html.len() && !html.as_bytes()[end].is_ascii_alphanumeric() {
        let name = &html[i + 1..end];
        let next = if html.as_bytes()[end] == b';' { end + 1 } else { end };
        let text = match named_entity(name) {
            Some(s) => s.to_string(),
            None => format!("&{name}"),
        };
        return (text, next);
    }
    ("&".into(), i + 1)
}

fn numeric_reference(n: u32) -> char {
    const CP1252: [u32; 32] = [
        0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d,
        0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d,
        0x17e, 0x178,
    ];
    let n = if (0x80..=0x9f).contains(&n) { CP1252[(n - 0x80) as usize] } else { n };
    char::from_u32(n).unwrap_or('\u{fffd}')
}

/// `html.unescape` for attribute values (the common references only).
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut i = 0;
    while let Some(p) = s[i..].find('&') {
        out.push_str(&s[i..i + p]);
        let at = i + p;
        let padded = format!("{} ", &s[at..]);
        let (text, end) = reference(&padded, 0);
        out.push_str(&text);
        i = (at + end).min(s.len());
    }
    out.push_str(&s[i..]);
    out
}

fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" | "AMP" => "&",
        "lt" | "LT" => "<",
        "gt" | "GT" => ">",
        "quot" | "QUOT" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "hellip" => "…",
        "mdash" => "—",
        "ndash" => "–",
        "lsquo" => "‘",
        "rsquo" => "’",
        "ldquo" => "“",
        "rdquo" => "”",
        "laquo" => "«",
        "raquo" => "»",
        "bull" => "•",
        "middot" => "·",
        "times" => "×",
        "divide" => "÷",
        "deg" => "°",
        "plusmn" => "±",
        "euro" => "€",
        "pound" => "£",
        "yen" => "¥",
        "cent" => "¢",
        "sect" => "§",
        "para" => "¶",
        "larr" => "←",
        "rarr" => "→",
        "uarr" => "↑",
        "darr" => "↓",
        "harr" => "↔",
        "ensp" => "\u{2002}",
        "emsp" => "\u{2003}",
        "thinsp" => "\u{2009}",
        "zwj" => "\u{200d}",
        "zwnj" => "\u{200c}",
        _ => return None,
    })
}

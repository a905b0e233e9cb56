//! A port of Python-Markdown 3.10's core (`markdown.markdown(text)`, no extensions), as
//! open-webui's `env.py` runs it on CHANGELOG.md.
//!
//! The structure follows the Python code step by step (block processors in priority order,
//! the inline processor with its stash of placeholders, the prettify and unescape tree
//! processors, the XHTML serializer, the raw-HTML and `&` post-processors), because the
//! output has to be identical, quirks included, rather than merely "correct Markdown".
//! Regular expressions are upstream's, with `\1` back-references to a single literal
//! character written out, and indices are byte offsets where Python uses code points.
//!
//! Not ported: the raw HTML *block* pre-processor (lines starting with a block-level HTML
//! tag); inline HTML is handled. [`has_html_blocks`] tells when an input would need it.

use std::collections::{HashMap, VecDeque};
use std::sync::LazyLock;

use fancy_regex::{Captures, Regex};

const TAB_LENGTH: usize = 4;
const INLINE_PREFIX: &str = "\u{2}klzzwxh:";
const AMP_SUBSTITUTE: &str = "\u{2}amp\u{3}";
const ESCAPED_CHARS: &[char] = &['\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '>', '#', '+', '-', '.', '!'];

const BLOCK_LEVEL: &[&str] = &[
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre",
    "section", "table", "ul", "canvas", "colgroup", "dd", "body", "dt", "group", "html", "iframe", "li", "legend",
    "math", "map", "noscript", "output", "object", "option", "progress", "script", "style", "summary", "tbody", "td",
    "textarea", "tfoot", "th", "thead", "tr", "video", "center",
];
const HTML_EMPTY: &[&str] = &[
    "area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input", "isindex", "link", "meta",
    "param", "source", "track", "wbr",
];

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid regular expression")
}

/// Python's `str.isspace()` for one character.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

fn is_block_level(tag: &str) -> bool {
    static SET: LazyLock<std::collections::HashSet<&'static str>> =
        LazyLock::new(|| BLOCK_LEVEL.iter().copied().collect());
    if tag.bytes().any(|b| b.is_ascii_uppercase()) {
        SET.contains(tag.to_lowercase().trim_end_matches('/'))
    } else {
        SET.contains(tag.trim_end_matches('/'))
    }
}

/// Whether `source` has a line that starts with a block-level HTML tag, which the raw HTML
/// block pre-processor (not ported) would treat specially.
pub fn has_html_blocks(source: &str) -> bool {
    static TAG: LazyLock<Regex> = LazyLock::new(|| re(r"^</?([a-zA-Z][a-zA-Z0-9]*)"));
    source.lines().any(|l| {
        TAG.captures(l).ok().flatten().is_some_and(|c| is_block_level(c.get(1).unwrap().as_str()))
    })
}

/// `markdown.markdown(source)`.
pub fn to_html(source: &str) -> String {
    if py_strip(source).is_empty() {
        return String::new();
    }
    let mut md = Md::default();
    let text = normalize_whitespace(source);
    let root = md.new_node("div");
    md.parse_chunk(root, &text);
    md.run_inline(root);
    md.prettify(root);
    md.unescape_tree(root);
    let mut out = String::new();
    md.serialize(root, &mut out, true);
    let start = out.find("<div>").map(|i| i + 5).unwrap_or(0);
    let end = out.rfind("</div>").unwrap_or(out.len());
    let mut out = py_strip(&out[start..end]).to_string();
    out = md.restore_raw_html(&out);
    out = out.replace(AMP_SUBSTITUTE, "&");
    py_strip(&out).to_string()
}

fn normalize_whitespace(source: &str) -> String {
    let s = source.replace(['\u{2}', '\u{3}'], "").replace("\r\n", "\n").replace('\r', "\n") + "\n\n";
    // str.expandtabs(4)
    let mut expanded = String::with_capacity(s.len());
    let mut col = 0;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = TAB_LENGTH - col % TAB_LENGTH;
                expanded.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' => {
                expanded.push(c);
                col = 0;
            }
            _ => {
                expanded.push(c);
                col += 1;
            }
        }
    }
    // re.sub(r'(?<=\n) +\n', '\n', source): lines of spaces only, after the first, become empty.
    let lines: Vec<&str> = expanded.split('\n').collect();
    let last = lines.len() - 1;
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i > 0 && i < last && !l.is_empty() && l.bytes().all(|b| b == b' ') { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone, Default)]
struct Node {
    tag: String,
    attrs: Vec<(String, String)>,
    text: Option<String>,
    text_atomic: bool,
    tail: Option<String>,
    tail_atomic: bool,
    children: Vec<usize>,
}

#[derive(Debug, Clone)]
enum Stashed {
    Node(usize),
    Str(String),
}

#[derive(Default)]
struct Md {
    nodes: Vec<Node>,
    state: Vec<&'static str>,
    references: HashMap<String, (String, Option<String>)>,
    html_stash: Vec<String>,
    stashed: HashMap<String, Stashed>,
}

fn truthy(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}

fn starts_with_indent(s: &str) -> bool {
    s.starts_with("    ")
}

/// `BlockProcessor.looseDetab`.
fn loose_detab(text: &str, level: usize) -> String {
    let prefix = " ".repeat(TAB_LENGTH * level);
    text.split('\n').map(|l| l.strip_prefix(prefix.as_str()).unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

/// `BlockProcessor.detab`.
fn detab(text: &str) -> (String, String) {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut new = Vec::new();
    for line in &lines {
        if let Some(rest) = line.strip_prefix("    ") {
            new.push(rest);
        } else if py_strip(line).is_empty() {
            new.push("");
        } else {
            break;
        }
    }
    let n = new.len();
    (new.join("\n"), lines[n..].join("\n"))
}

fn code_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

// ---------------------------------------------------------------------------------------
// Block parsing
// ---------------------------------------------------------------------------------------

static HASH_HEADER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\])*?)#*(?:\n|\z)"));
static OL_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[ ]{0,3}\d+\.[ ]+(.*)"));
static UL_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[ ]{0,3}[*+-][ ]+(.*)"));
static CHILD_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[ ]{0,3}((\d+\.)|[*+-])[ ]+(.*)"));
static LIST_INDENT_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^[ ]{4,7}((\d+\.)|[*+-])[ ]+.*"));
static INDENT_RE: LazyLock<Regex> = LazyLock::new(|| re(r"^(([ ]{4})+)"));
static QUOTE_RE: LazyLock<Regex> = LazyLock::new(|| re(r"(^|\n)[ ]{0,3}>[ ]?(.*)"));
static REFERENCE_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?m)^[ ]{0,3}\[([^\[\]]*)\]:[ ]*\n?[ ]*([^\s]+)[ ]*(?:\n[ ]*)?((["'])(.*)\4[ ]*|\((.*)\)[ ]*)?$"#)
});

fn is_match(r: &Regex, s: &str) -> bool {
    r.is_match(s).unwrap_or(false)
}

fn caps<'t>(r: &Regex, s: &'t str) -> Option<Captures<'t>> {
    r.captures(s).ok().flatten()
}

/// A horizontal rule line (`HRProcessor.SEARCH_RE`): its byte range in `block`.
fn find_hr(block: &str) -> Option<(usize, usize)> {
    let mut start = 0;
    for line in block.split('\n') {
        if is_hr_line(line) {
            return Some((start, start + line.len()));
        }
        start += line.len() + 1;
    }
    None
}

fn is_hr_line(line: &str) -> bool {
    let indent = line.bytes().take_while(|b| *b == b' ').count();
    if indent > 3 {
        return false;
    }
    let rest = &line[indent..];
    let Some(c) = rest.chars().next().filter(|c| matches!(c, '-' | '_' | '*')) else { return false };
    let body = rest.trim_end_matches(' ');
    if body.chars().any(|x| x != c && x != ' ') || body.contains("   ") {
        return false;
    }
    body.chars().filter(|x| *x == c).count() >= 3
}

impl Md {
    fn new_node(&mut self, tag: &str) -> usize {
        self.nodes.push(Node { tag: tag.to_string(), ..Default::default() });
        self.nodes.len() - 1
    }

    fn sub_element(&mut self, parent: usize, tag: &str) -> usize {
        let n = self.new_node(tag);
        self.nodes[parent].children.push(n);
        n
    }

    fn last_child(&self, n: usize) -> Option<usize> {
        self.nodes[n].children.last().copied()
    }

    fn tag(&self, n: usize) -> &str {
        &self.nodes[n].tag
    }

    fn isstate(&self, s: &str) -> bool {
        self.state.last().is_some_and(|x| *x == s)
    }

    fn parse_chunk(&mut self, parent: usize, text: &str) {
        self.parse_blocks(parent, text.split("\n\n").map(str::to_owned).collect());
    }

    fn parse_blocks(&mut self, parent: usize, mut blocks: VecDeque<String>) {
        while let Some(block) = blocks.front().cloned() {
            if block.is_empty() || block.starts_with('\n') {
                self.run_empty(parent, &mut blocks);
            } else if self.test_list_indent(parent, &block) {
                self.run_list_indent(parent, &mut blocks);
            } else if starts_with_indent(&block) {
                self.run_code(parent, &mut blocks);
            } else if is_match(&HASH_HEADER, &block) {
                self.run_hash_header(parent, &mut blocks);
            } else if test_setext(&block) {
                self.run_setext(parent, &mut blocks);
            } else if let Some(hr) = find_hr(&block) {
                self.run_hr(parent, &mut blocks, hr);
            } else if is_match(&OL_RE, &block) {
                self.run_list(parent, &mut blocks, "ol");
            } else if is_match(&UL_RE, &block) {
                self.run_list(parent, &mut blocks, "ul");
            } else if is_match(&QUOTE_RE, &block) {
                self.run_quote(parent, &mut blocks);
            } else if !self.run_reference(&mut blocks) {
                self.run_paragraph(parent, &mut blocks);
            }
        }
    }

    fn run_empty(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let block = blocks.pop_front().unwrap();
        let mut filler = "\n\n";
        if !block.is_empty() {
            filler = "\n";
            let rest = &block[1..];
            if !rest.is_empty() {
                blocks.push_front(rest.to_string());
            }
        }
        if let Some(code) = self.pre_code(self.last_child(parent)) {
            let t = self.nodes[code].text.clone().unwrap_or_default();
            self.nodes[code].text = Some(t + filler);
            self.nodes[code].text_atomic = true;
        }
    }

    /// The `code` child of `sibling` when it is `<pre><code>`.
    fn pre_code(&self, sibling: Option<usize>) -> Option<usize> {
        let s = sibling?;
        if self.tag(s) != "pre" {
            return None;
        }
        self.nodes[s].children.first().copied().filter(|c| self.tag(*c) == "code")
    }

    fn test_list_indent(&self, parent: usize, block: &str) -> bool {
        starts_with_indent(block)
            && !self.isstate("detabbed")
            && (self.tag(parent) == "li"
                || self.last_child(parent).is_some_and(|c| matches!(self.tag(c), "ul" | "ol")))
    }

    fn run_list_indent(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let block = blocks.pop_front().unwrap();
        let (level, sibling) = self.get_level(parent, &block);
        let block = loose_detab(&block, level);
        self.state.push("detabbed");
        if self.tag(parent) == "li" {
            match self.last_child(parent) {
                Some(c) if matches!(self.tag(c), "ul" | "ol") => self.parse_blocks(c, VecDeque::from([block])),
                _ => self.parse_blocks(parent, VecDeque::from([block])),
            }
        } else if self.tag(sibling) == "li" {
            self.parse_blocks(sibling, VecDeque::from([block]));
        } else if let Some(li) = self.last_child(sibling).filter(|c| self.tag(*c) == "li") {
            if truthy(&self.nodes[li].text) {
                let p = self.new_node("p");
                self.nodes[p].text = self.nodes[li].text.take();
                self.nodes[li].text = Some(String::new());
                self.nodes[li].children.insert(0, p);
            }
            self.parse_chunk(li, &block);
        } else {
            let li = self.sub_element(sibling, "li");
            self.parse_blocks(li, VecDeque::from([block]));
        }
        self.state.pop();
    }

    fn get_level(&self, parent: usize, block: &str) -> (usize, usize) {
        let indent_level = caps(&INDENT_RE, block).map(|m| m.get(1).unwrap().as_str().len() / TAB_LENGTH).unwrap_or(0);
        let mut level = usize::from(self.isstate("list"));
        let mut parent = parent;
        while indent_level > level {
            match self.last_child(parent) {
                Some(child) if matches!(self.tag(child), "ul" | "ol" | "li") => {
                    if matches!(self.tag(child), "ul" | "ol") {
                        level += 1;
                    }
                    parent = child;
                }
                _ => break,
            }
        }
        (level, parent)
    }

    fn run_code(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let block = blocks.pop_front().unwrap();
        let (block, rest) = detab(&block);
        let escaped = code_escape(block.trim_end_matches(py_space));
        if let Some(code) = self.pre_code(self.last_child(parent)) {
            let t = self.nodes[code].text.clone().unwrap_or_default();
            self.nodes[code].text = Some(format!("{t}\n{escaped}\n"));
        } else {
            let pre = self.sub_element(parent, "pre");
            let code = self.sub_element(pre, "code");
            self.nodes[code].text = Some(format!("{escaped}\n"));
            self.nodes[code].text_atomic = true;
        }
        if !rest.is_empty() {
            blocks.push_front(rest);
        }
    }

    fn run_hash_header(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let block = blocks.pop_front().unwrap();
        let m = caps(&HASH_HEADER, &block).expect("tested");
        let whole = m.get(0).unwrap();
        let before = &block[..whole.start()];
        let after = &block[whole.end()..];
        if !before.is_empty() {
            self.parse_blocks(parent, VecDeque::from([before.to_string()]));
        }
        let level = m.name("level").unwrap().as_str().len();
        let h = self.sub_element(parent, &format!("h{level}"));
        self.nodes[h].text = Some(py_strip(m.name("header").unwrap().as_str()).to_string());
        if !after.is_empty() {
            let after = if self.isstate("looselist") { loose_detab(after, 1) } else { after.to_string() };
            blocks.push_front(after);
        }
    }

    fn run_setext(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let block = blocks.pop_front().unwrap();
        let lines: Vec<&str> = block.split('\n').collect();
        let level = if lines[1].starts_with('=') { 1 } else { 2 };
        let h = self.sub_element(parent, &format!("h{level}"));
        self.nodes[h].text = Some(py_strip(lines[0]).to_string());
        if lines.len() > 2 {
            blocks.push_front(lines[2..].join("\n"));
        }
    }

    fn run_hr(&mut self, parent: usize, blocks: &mut VecDeque<String>, (start, end): (usize, usize)) {
        let block = blocks.pop_front().unwrap();
        let pre = block[..start].trim_end_matches('\n');
        if !pre.is_empty() {
            self.parse_blocks(parent, VecDeque::from([pre.to_string()]));
        }
        self.sub_element(parent, "hr");
        let post = block[end..].trim_start_matches('\n');
        if !post.is_empty() {
            blocks.push_front(post.to_string());
        }
    }

    fn run_list(&mut self, parent: usize, blocks: &mut VecDeque<String>, tag: &str) {
        let mut items = get_items(&blocks.pop_front().unwrap());
        let lst;
        match self.last_child(parent).filter(|s| matches!(self.tag(*s), "ol" | "ul")) {
            Some(sibling) => {
                lst = sibling;
                let last_li = self.last_child(lst).expect("a list has items");
                if truthy(&self.nodes[last_li].text) {
                    let p = self.new_node("p");
                    self.nodes[p].text = self.nodes[last_li].text.take();
                    self.nodes[last_li].text = Some(String::new());
                    self.nodes[last_li].children.insert(0, p);
                }
                if let Some(lch) = self.last_child(last_li) {
                    if truthy(&self.nodes[lch].tail) {
                        let tail = self.nodes[lch].tail.take().unwrap();
                        let p = self.sub_element(last_li, "p");
                        self.nodes[p].text = Some(tail.trim_start_matches(py_space).to_string());
                        self.nodes[lch].tail = Some(String::new());
                    }
                }
                let li = self.sub_element(lst, "li");
                self.state.push("looselist");
                let first = items.remove(0);
                self.parse_blocks(li, VecDeque::from([first]));
                self.state.pop();
            }
            None if matches!(self.tag(parent), "ol" | "ul") => lst = parent,
            None => lst = self.sub_element(parent, tag),
        }
        self.state.push("list");
        for item in items {
            if starts_with_indent(&item) {
                let last = self.last_child(lst).expect("a list item to continue");
                self.parse_blocks(last, VecDeque::from([item]));
            } else {
                let li = self.sub_element(lst, "li");
                self.parse_blocks(li, VecDeque::from([item]));
            }
        }
        self.state.pop();
    }

    fn run_quote(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let mut block = blocks.pop_front().unwrap();
        if let Some(m) = caps(&QUOTE_RE, &block) {
            let start = m.get(0).unwrap().start();
            let before = block[..start].to_string();
            self.parse_blocks(parent, VecDeque::from([before]));
            block = block[start..].split('\n').map(clean_quote_line).collect::<Vec<_>>().join("\n");
        }
        let quote = match self.last_child(parent).filter(|s| self.tag(*s) == "blockquote") {
            Some(q) => q,
            None => self.sub_element(parent, "blockquote"),
        };
        self.state.push("blockquote");
        self.parse_chunk(quote, &block);
        self.state.pop();
    }

    fn run_reference(&mut self, blocks: &mut VecDeque<String>) -> bool {
        let block = blocks.front().unwrap().clone();
        // The expression needs a line that starts with up to three spaces and `[`.
        let candidate = block.split('\n').any(|l| {
            let t = l.trim_start_matches(' ');
            l.len() - t.len() <= 3 && t.starts_with('[')
        });
        if !candidate {
            return false;
        }
        let Some(m) = caps(&REFERENCE_RE, &block) else { return false };
        blocks.pop_front();
        let id = py_strip(m.get(1).unwrap().as_str()).to_lowercase();
        let link = m.get(2).unwrap().as_str().trim_start_matches('<').trim_end_matches('>').to_string();
        let title = m.get(5).or_else(|| m.get(6)).map(|t| t.as_str().to_string()).filter(|t| !t.is_empty());
        self.references.insert(id, (link, title));
        let whole = m.get(0).unwrap();
        let after = &block[whole.end()..];
        if !py_strip(after).is_empty() {
            blocks.push_front(after.trim_start_matches('\n').to_string());
        }
        let before = &block[..whole.start()];
        if !py_strip(before).is_empty() {
            blocks.push_front(before.trim_end_matches('\n').to_string());
        }
        true
    }

    fn run_paragraph(&mut self, parent: usize, blocks: &mut VecDeque<String>) {
        let block = blocks.pop_front().unwrap();
        if py_strip(&block).is_empty() {
            return;
        }
        if self.isstate("list") {
            match self.last_child(parent) {
                Some(sibling) => {
                    let t = match &self.nodes[sibling].tail {
                        Some(t) if !t.is_empty() => format!("{t}\n{block}"),
                        _ => format!("\n{block}"),
                    };
                    self.nodes[sibling].tail = Some(t);
                }
                None => {
                    let t = match &self.nodes[parent].text {
                        Some(t) if !t.is_empty() => format!("{t}\n{block}"),
                        _ => block.trim_start_matches(py_space).to_string(),
                    };
                    self.nodes[parent].text = Some(t);
                }
            }
        } else {
            let p = self.sub_element(parent, "p");
            self.nodes[p].text = Some(block.trim_start_matches(py_space).to_string());
        }
    }
}

fn test_setext(block: &str) -> bool {
    let mut lines = block.split('\n');
    let _first = lines.next();
    match lines.next() {
        Some(second) => {
            let t = second.trim_end_matches(' ');
            !t.is_empty() && t.chars().all(|c| c == '=' || c == '-')
        }
        None => false,
    }
}

fn clean_quote_line(line: &str) -> String {
    if py_strip(line) == ">" {
        return String::new();
    }
    match caps(&QUOTE_RE, line).filter(|m| m.get(0).unwrap().start() == 0) {
        Some(m) => m.get(2).map(|g| g.as_str()).unwrap_or("").to_string(),
        None => line.to_string(),
    }
}

/// `OListProcessor.get_items`.
fn get_items(block: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for line in block.split('\n') {
        if let Some(m) = caps(&CHILD_RE, line) {
            items.push(m.get(3).map(|g| g.as_str()).unwrap_or("").to_string());
        } else if is_match(&LIST_INDENT_RE, line) {
            match items.last_mut() {
                Some(last) if starts_with_indent(last) => {
                    last.push('\n');
                    last.push_str(line);
                }
                _ => items.push(line.to_string()),
            }
        } else if let Some(last) = items.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    items
}

// ---------------------------------------------------------------------------------------
// Inline patterns
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Backtick,
    Escape,
    Reference,
    Link,
    ImageLink,
    ImageReference,
    ShortReference,
    ShortImageReference,
    Autolink,
    Automail,
    LineBreak,
    Html,
    Entity,
    NotStrong,
    Asterisk,
    Underscore,
}

struct Pattern {
    kind: Kind,
    matcher: Matcher,
    /// The characters a match can start with (a cheap skip over plain text).
    first: &'static [char],
}

/// How a pattern matches at a position: upstream's regular expression, or, for the simple
/// patterns that run at every candidate character, the same test written out.
enum Matcher {
    Re(Box<Anchored>),
    /// `\\(.)`
    Escape,
    /// `(?<!\!)\[`
    Bracket,
    /// `\!\[`
    BangBracket,
    /// `  \n`
    LineBreak,
    /// `((^|(?<=\s))(\*{1,3}|_{1,3})(?=\s|$))`
    NotStrong,
    /// `\*` or `_`
    Char(char),
}

fn prev_char(data: &str, pos: usize) -> Option<char> {
    data[..pos].chars().next_back()
}

/// Python's `\w` (Unicode).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Matcher {
    fn match_at(&self, data: &str, pos: usize) -> Option<Caps> {
        let rest = &data[pos..];
        let whole = |len: usize| Caps { groups: vec![Some((pos, pos + len))] };
        match self {
            Matcher::Re(a) => a.match_at(data, pos),
            Matcher::Escape => {
                let c = rest.strip_prefix('\\')?.chars().next()?;
                Some(Caps { groups: vec![Some((pos, pos + 1 + c.len_utf8())), Some((pos + 1, pos + 1 + c.len_utf8()))] })
            }
            Matcher::Bracket => (rest.starts_with('[') && prev_char(data, pos) != Some('!')).then(|| whole(1)),
            Matcher::BangBracket => rest.starts_with("![").then(|| whole(2)),
            Matcher::LineBreak => rest.starts_with("  \n").then(|| whole(3)),
            Matcher::NotStrong => {
                let c = rest.chars().next().filter(|c| *c == '*' || *c == '_')?;
                if pos > 0 && !prev_char(data, pos).is_some_and(py_space) {
                    return None;
                }
                let run = rest.chars().take_while(|x| *x == c).count();
                if run > 3 || !rest[run..].chars().next().is_none_or(py_space) {
                    return None;
                }
                Some(Caps { groups: vec![Some((pos, pos + run)), Some((pos, pos + run)), Some((pos, pos)), Some((pos, pos + run))] })
            }
            Matcher::Char(c) => rest.starts_with(*c).then(|| whole(1)),
        }
    }
}

/// Match groups as byte ranges in the string that was searched.
struct Caps {
    groups: Vec<Option<(usize, usize)>>,
}

impl Caps {
    fn end(&self) -> usize {
        self.groups[0].unwrap().1
    }

    fn get<'t>(&self, data: &'t str, i: usize) -> Option<&'t str> {
        self.groups.get(i).copied().flatten().map(|(s, e)| &data[s..e])
    }
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |kind, first, matcher| Pattern { kind, matcher, first };
    let r = |pattern: &str| Matcher::Re(Box::new(Anchored::new(&format!("(?s){pattern}"))));
    vec![
        p(Kind::Backtick, &['\\', '`'], r(r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))")),
        p(Kind::Escape, &['\\'], Matcher::Escape),
        p(Kind::Reference, &['['], Matcher::Bracket),
        p(Kind::Link, &['['], Matcher::Bracket),
        p(Kind::ImageLink, &['!'], Matcher::BangBracket),
        p(Kind::ImageReference, &['!'], Matcher::BangBracket),
        p(Kind::ShortReference, &['['], Matcher::Bracket),
        p(Kind::ShortImageReference, &['!'], Matcher::BangBracket),
        p(Kind::Autolink, &['<'], r(r"<((?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*)>")),
        p(Kind::Automail, &['<'], r(r"<([^<> !]+@[^@<> ]+)>")),
        p(Kind::LineBreak, &[' '], Matcher::LineBreak),
        p(
            Kind::Html,
            &['<'],
            r(r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)"),
        ),
        p(Kind::Entity, &['&'], r(r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)")),
        p(Kind::NotStrong, &['*', '_'], Matcher::NotStrong),
        p(Kind::Asterisk, &['*'], Matcher::Char('*')),
        p(Kind::Underscore, &['_'], Matcher::Char('_')),
    ]
});

#[derive(Clone, Copy)]
enum Builder {
    Double,
    Double2,
    Single,
}

struct EmStrong {
    matcher: EmMatcher,
    builder: Builder,
    tags: (&'static str, &'static str),
}

/// The underscore patterns with look-arounds are written out (`SMART_*_RE`); the others
/// are plain regular expressions (`STRONG_EM3_RE`'s `(?!\*)` folded into `[^*]`).
enum EmMatcher {
    Re(Box<Anchored>),
    /// `(?<!\w)(_)_(?!_)(.+?)(?<!\w)_(?!_)(.+?)_{3}(?!\w)`
    SmartStrongEm,
    /// `(?<!\w)(_{2})(?!_)(.+?)(?<!_)_{2}(?!\w)`
    SmartStrong,
    /// `(?<!\w)(_)(?!_)(.+?)(?<!_)_(?!\w)`
    SmartEm,
}

impl EmMatcher {
    fn match_at(&self, data: &str, pos: usize) -> Option<Caps> {
        let not_word_before = |i: usize| !prev_char(data, i).is_some_and(is_word);
        let not_word_at = |i: usize| !data[i..].chars().next().is_some_and(is_word);
        let next_after = |i: usize| data[i..].chars().next().map_or(i, |c| i + c.len_utf8());
        match self {
            EmMatcher::Re(a) => a.match_at(data, pos),
            EmMatcher::SmartEm => {
                if !not_word_before(pos) || !data[pos..].starts_with('_') {
                    return None;
                }
                let first = data[pos + 1..].chars().next().filter(|c| *c != '_')?;
                let mut e = pos + 1 + first.len_utf8();
                while e < data.len() {
                    if data[e..].starts_with('_') && !data[..e].ends_with('_') && not_word_at(e + 1) {
                        return Some(Caps { groups: vec![Some((pos, e + 1)), Some((pos, pos + 1)), Some((pos + 1, e))] });
                    }
                    e = next_after(e);
                }
                None
            }
            EmMatcher::SmartStrong => {
                if !not_word_before(pos) || !data[pos..].starts_with("__") {
                    return None;
                }
                let first = data[pos + 2..].chars().next().filter(|c| *c != '_')?;
                let mut e = pos + 2 + first.len_utf8();
                while e < data.len() {
                    if data[e..].starts_with("__") && !data[..e].ends_with('_') && not_word_at(e + 2) {
                        return Some(Caps { groups: vec![Some((pos, e + 2)), Some((pos, pos + 2)), Some((pos + 2, e))] });
                    }
                    e = next_after(e);
                }
                None
            }
            EmMatcher::SmartStrongEm => {
                if !not_word_before(pos) || !data[pos..].starts_with("__") {
                    return None;
                }
                let first = data[pos + 2..].chars().next().filter(|c| *c != '_')?;
                let mut p = pos + 2 + first.len_utf8();
                while p < data.len() {
                    let opens = data[p..].starts_with('_')
                        && not_word_before(p)
                        && data[p + 1..].chars().next().is_some_and(|c| c != '_');
                    if opens {
                        let mut q = next_after(p + 1);
                        while q < data.len() {
                            if data[q..].starts_with("___") && not_word_at(q + 3) {
                                return Some(Caps {
                                    groups: vec![Some((pos, q + 3)), Some((pos, pos + 1)), Some((pos + 2, p)), Some((p + 1, q))],
                                });
                            }
                            q = next_after(q);
                        }
                    }
                    p = next_after(p);
                }
                None
            }
        }
    }
}

static ASTERISK: LazyLock<Vec<EmStrong>> = LazyLock::new(|| {
    let e = |pattern: &str, builder, tags| EmStrong {
        matcher: EmMatcher::Re(Box::new(Anchored::new(&format!("(?s){pattern}")))),
        builder,
        tags,
    };
    vec![
        e(r"(\*)\*{2}(.+?)\*(.*?)\*{2}", Builder::Double, ("strong", "em")),
        e(r"(\*)\*{2}(.+?)\*{2}(.*?)\*", Builder::Double, ("em", "strong")),
        e(r"(\*)\*([^*]+?)\*([^*].*?)\*{3}", Builder::Double2, ("strong", "em")),
        e(r"(\*{2})(.+?)\*{2}", Builder::Single, ("strong", "")),
        e(r"(\*)([^\*]+)\*", Builder::Single, ("em", "")),
    ]
});

static UNDERSCORE: LazyLock<Vec<EmStrong>> = LazyLock::new(|| {
    let e = |pattern: &str, builder, tags| EmStrong {
        matcher: EmMatcher::Re(Box::new(Anchored::new(&format!("(?s){pattern}")))),
        builder,
        tags,
    };
    vec![
        e(r"(_)_{2}(.+?)_(.*?)_{2}", Builder::Double, ("strong", "em")),
        e(r"(_)_{2}(.+?)_{2}(.*?)_", Builder::Double, ("em", "strong")),
        EmStrong { matcher: EmMatcher::SmartStrongEm, builder: Builder::Double2, tags: ("strong", "em") },
        EmStrong { matcher: EmMatcher::SmartStrong, builder: Builder::Single, tags: ("strong", "") },
        EmStrong { matcher: EmMatcher::SmartEm, builder: Builder::Single, tags: ("em", "") },
    ]
});

static PLACEHOLDER_RE: LazyLock<Regex> = LazyLock::new(|| re("\u{2}klzzwxh:([0-9]+)\u{3}"));
static STX_NUM_ETX: LazyLock<Regex> = LazyLock::new(|| re("\u{2}([0-9]+)\u{3}"));
static LINK_RE_LINK: LazyLock<Anchored> =
    LazyLock::new(|| Anchored::new(r#"(?s)\(\s*(?:(<[^<>]*>)\s*(?:('[^']*'|"[^"]*")\s*)?\))?"#));
static REF_RE_LINK: LazyLock<Anchored> = LazyLock::new(|| Anchored::new(r"(?s)\s?\[([^\]]*)\]"));
static WHITESPACE_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"\s+"));

/// A pattern used as Python's `compiled.match(data, pos)`: anchored at `pos`, while a
/// look-behind still sees the character before `pos`.
struct Anchored {
    at_start: Regex,
    after_one: Regex,
}

impl Anchored {
    fn new(pattern: &str) -> Anchored {
        Anchored { at_start: re(&format!("^(?:{pattern})")), after_one: re(&format!("^(?s:.)(?:{pattern})")) }
    }

    /// The match at `pos`, with positions in `data`.
    fn match_at(&self, data: &str, pos: usize) -> Option<Caps> {
        let (c, base) = if pos == 0 {
            (self.at_start.captures(data).ok().flatten()?, 0)
        } else {
            let prev = data[..pos].char_indices().next_back().map_or(0, |(i, _)| i);
            (self.after_one.captures(&data[prev..]).ok().flatten()?, prev)
        };
        let mut groups: Vec<Option<(usize, usize)>> =
            (0..c.len()).map(|i| c.get(i).map(|m| (base + m.start(), base + m.end()))).collect();
        groups[0] = Some((pos, base + c.get(0).unwrap().end()));
        Some(Caps { groups })
    }
}

/// What a pattern's `handleMatch` gives: `None` for a rejected match (`start` is `None`).
struct Handled {
    node: Option<Stashed>,
    start: usize,
    end: usize,
}

fn unescape_stx(text: &str) -> String {
    STX_NUM_ETX
        .replace_all(text, |c: &Captures| {
            c[1].parse::<u32>().ok().and_then(char::from_u32).map(String::from).unwrap_or_default()
        })
        .into_owned()
}

fn dequote(s: &str) -> &str {
    if s.len() >= 2 && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\''))) {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

impl Md {
    fn stash(&mut self, node: Stashed) -> String {
        let id = format!("{:04}", self.stashed.len());
        let ph = format!("{INLINE_PREFIX}{id}\u{3}");
        self.stashed.insert(id, node);
        ph
    }

    fn run_inline(&mut self, root: usize) {
        let mut stack: VecDeque<usize> = VecDeque::from([root]);
        while let Some(cur) = stack.pop_front() {
            let mut insert_queue: Vec<(usize, Vec<usize>)> = Vec::new();
            let mut i = 0;
            while i < self.nodes[cur].children.len() {
                let child = self.nodes[cur].children[i];
                if truthy(&self.nodes[child].text) && !self.nodes[child].text_atomic {
                    let text = self.nodes[child].text.take().unwrap();
                    let data = self.handle_inline(text, false, 0);
                    let lst = self.process_placeholders(data, false, child, true);
                    stack.extend(lst.iter().copied());
                    insert_queue.push((child, lst));
                }
                if truthy(&self.nodes[child].tail) {
                    let atomic = self.nodes[child].tail_atomic;
                    let tail = self.nodes[child].tail.take().unwrap();
                    let tail = self.handle_inline(tail, atomic, 0);
                    let dummy = self.new_node("d");
                    let result = self.process_placeholders(tail, atomic, dummy, false);
                    if truthy(&self.nodes[dummy].tail) {
                        self.nodes[child].tail = self.nodes[dummy].tail.take();
                        self.nodes[child].tail_atomic = self.nodes[dummy].tail_atomic;
                    }
                    let pos = i + 1;
                    for (k, n) in result.into_iter().enumerate() {
                        self.nodes[cur].children.insert(pos + k, n);
                    }
                }
                if !self.nodes[child].children.is_empty() {
                    stack.push_back(child);
                }
                i += 1;
            }
            for (element, lst) in insert_queue {
                for (k, n) in lst.into_iter().enumerate() {
                    self.nodes[element].children.insert(k, n);
                }
            }
        }
    }

    /// `InlineProcessor.__handleInline`.
    fn handle_inline(&mut self, mut data: String, atomic: bool, mut pattern_index: usize) -> String {
        if atomic {
            return data;
        }
        let mut start = 0;
        while pattern_index < PATTERNS.len() {
            let (d, matched, s) = self.apply_pattern(pattern_index, data, start);
            data = d;
            start = s;
            if !matched {
                pattern_index += 1;
            }
        }
        data
    }

    /// `InlineProcessor.__applyPattern`.
    fn apply_pattern(&mut self, pi: usize, data: String, start_index: usize) -> (String, bool, usize) {
        let pattern = &PATTERNS[pi];
        let mut pos = start_index;
        let handled = loop {
            // `finditer`: the leftmost match is at the first position, among those starting
            // with one of the pattern's first characters, where the anchored match succeeds.
            let Some(candidate) = data.get(pos..).and_then(|rest| rest.find(pattern.first)) else { break None };
            pos += candidate;
            let Some(c) = pattern.matcher.match_at(&data, pos) else {
                pos += data[pos..].chars().next().map_or(1, char::len_utf8);
                continue;
            };
            let end = c.end();
            if let Some(h) = self.handle_match(pattern.kind, &c, pos, &data) {
                break Some(h);
            }
            pos = if end > pos { end } else { end + data[end..].chars().next().map_or(1, char::len_utf8) };
        };
        let Some(Handled { node, start, end }) = handled else { return (data, false, 0) };
        let Some(node) = node else { return (data, true, end) };
        if let Stashed::Node(n) = node {
            if !self.nodes[n].text_atomic {
                let mut all = vec![n];
                all.extend(self.nodes[n].children.iter().copied());
                for child in all {
                    if truthy(&self.nodes[child].text) {
                        let atomic = self.nodes[child].text_atomic;
                        let t = self.nodes[child].text.take().unwrap();
                        self.nodes[child].text = Some(self.handle_inline(t, atomic, pi + 1));
                    }
                    if truthy(&self.nodes[child].tail) {
                        let atomic = self.nodes[child].tail_atomic;
                        let t = self.nodes[child].tail.take().unwrap();
                        self.nodes[child].tail = Some(self.handle_inline(t, atomic, pi));
                    }
                }
            }
        }
        let placeholder = self.stash(node);
        (format!("{}{}{}", &data[..start], placeholder, &data[end..]), true, 0)
    }

    /// `handleMatch` for a match `c` at `start`.
    fn handle_match(&mut self, kind: Kind, c: &Caps, start: usize, data: &str) -> Option<Handled> {
        let end = c.end();
        let group = |c: &Caps, i: usize| c.get(data, i);
        let done = |node: Option<Stashed>, end: usize| Some(Handled { node, start, end });
        match kind {
            Kind::Backtick => match group(c, 3).filter(|g| !g.is_empty()) {
                Some(code) => {
                    let el = self.new_node("code");
                    self.nodes[el].text = Some(code_escape(py_strip(code)));
                    self.nodes[el].text_atomic = true;
                    done(Some(Stashed::Node(el)), end)
                }
                None => {
                    let s = group(c, 1).unwrap_or("").replace("\\\\", "\u{2}92\u{3}");
                    done(Some(Stashed::Str(s)), end)
                }
            },
            Kind::Escape => {
                let ch = group(c, 1).unwrap().chars().next().unwrap();
                if ESCAPED_CHARS.contains(&ch) {
                    done(Some(Stashed::Str(format!("\u{2}{}\u{3}", ch as u32))), end)
                } else {
                    done(None, end)
                }
            }
            Kind::Link | Kind::ImageLink => {
                let (text, index, ok) = get_text(data, end);
                if !ok {
                    return None;
                }
                let (href, title, index, ok) = self.get_link(data, index);
                if !ok {
                    return None;
                }
                let el;
                if kind == Kind::Link {
                    el = self.new_node("a");
                    self.nodes[el].text = Some(text);
                    self.nodes[el].attrs.push(("href".into(), href));
                    if let Some(t) = title {
                        self.nodes[el].attrs.push(("title".into(), t));
                    }
                } else {
                    el = self.new_node("img");
                    self.nodes[el].attrs.push(("src".into(), href));
                    if let Some(t) = title {
                        self.nodes[el].attrs.push(("title".into(), t));
                    }
                    let alt = self.unescape_text(&text);
                    self.nodes[el].attrs.push(("alt".into(), alt));
                }
                done(Some(Stashed::Node(el)), index)
            }
            Kind::Reference | Kind::ImageReference | Kind::ShortReference | Kind::ShortImageReference => {
                let (text, index, ok) = get_text(data, end);
                if !ok {
                    return None;
                }
                let (id, ref_end) = if matches!(kind, Kind::ShortReference | Kind::ShortImageReference) {
                    (text.to_lowercase(), index)
                } else {
                    let m2 = REF_RE_LINK.match_at(data, index)?;
                    let mut id = m2.get(data, 1).unwrap_or("").to_lowercase();
                    if id.is_empty() {
                        id = text.to_lowercase();
                    }
                    (id, m2.end())
                };
                let id = WHITESPACE_RUN.replace_all(&id, " ").into_owned();
                let Some((href, title)) = self.references.get(&id).cloned() else {
                    return done(None, ref_end);
                };
                let el;
                if matches!(kind, Kind::Reference | Kind::ShortReference) {
                    el = self.new_node("a");
                    self.nodes[el].attrs.push(("href".into(), href));
                    if let Some(t) = title.filter(|t| !t.is_empty()) {
                        self.nodes[el].attrs.push(("title".into(), t));
                    }
                    self.nodes[el].text = Some(text);
                } else {
                    el = self.new_node("img");
                    self.nodes[el].attrs.push(("src".into(), href));
                    if let Some(t) = title.filter(|t| !t.is_empty()) {
                        self.nodes[el].attrs.push(("title".into(), t));
                    }
                    let alt = self.unescape_text(&text);
                    self.nodes[el].attrs.push(("alt".into(), alt));
                }
                done(Some(Stashed::Node(el)), ref_end)
            }
            Kind::Autolink => {
                let g = group(c, 1).unwrap();
                let el = self.new_node("a");
                let href = self.unescape_text(g);
                self.nodes[el].attrs.push(("href".into(), href));
                self.nodes[el].text = Some(g.to_string());
                self.nodes[el].text_atomic = true;
                done(Some(Stashed::Node(el)), end)
            }
            Kind::Automail => {
                let el = self.new_node("a");
                let mut email = self.unescape_text(group(c, 1).unwrap());
                if let Some(rest) = email.strip_prefix("mailto:") {
                    email = rest.to_string();
                }
                let text: String = email
                    .chars()
                    .map(|l| match codepoint2name(l) {
                        Some(name) => format!("{AMP_SUBSTITUTE}{name};"),
                        None => format!("{AMP_SUBSTITUTE}#{};", l as u32),
                    })
                    .collect();
                let href: String =
                    format!("mailto:{email}").chars().map(|l| format!("{AMP_SUBSTITUTE}#{};", l as u32)).collect();
                self.nodes[el].text = Some(text);
                self.nodes[el].text_atomic = true;
                self.nodes[el].attrs.push(("href".into(), href));
                done(Some(Stashed::Node(el)), end)
            }
            Kind::LineBreak => {
                let el = self.new_node("br");
                done(Some(Stashed::Node(el)), end)
            }
            Kind::Html | Kind::Entity => {
                let raw = unescape_stx(&self.unescape_html(group(c, 1).unwrap()));
                self.html_stash.push(raw);
                let ph = format!("\u{2}wzxhzdk:{}\u{3}", self.html_stash.len() - 1);
                done(Some(Stashed::Str(ph)), end)
            }
            Kind::NotStrong => done(Some(Stashed::Str(group(c, 1).unwrap().to_string())), end),
            Kind::Asterisk | Kind::Underscore => {
                let patterns = if kind == Kind::Asterisk { &*ASTERISK } else { &*UNDERSCORE };
                for (index, item) in patterns.iter().enumerate() {
                    if let Some(m1) = item.matcher.match_at(data, start) {
                        let el = self.build_element(&m1, data, item, index, patterns);
                        return done(Some(Stashed::Node(el)), m1.end());
                    }
                }
                None
            }
        }
    }

    fn build_element(&mut self, m: &Caps, data: &str, item: &EmStrong, idx: usize, patterns: &[EmStrong]) -> usize {
        let g2 = m.get(data, 2).unwrap_or("");
        let g3 = m.get(data, 3).unwrap_or("");
        match item.builder {
            Builder::Single => {
                let el1 = self.new_node(item.tags.0);
                self.parse_sub_patterns(g2, el1, None, idx, patterns);
                el1
            }
            Builder::Double => {
                let el1 = self.new_node(item.tags.0);
                let el2 = self.new_node(item.tags.1);
                self.parse_sub_patterns(g2, el2, None, idx, patterns);
                self.nodes[el1].children.push(el2);
                self.parse_sub_patterns(g3, el1, Some(el2), idx, patterns);
                el1
            }
            Builder::Double2 => {
                let el1 = self.new_node(item.tags.0);
                let el2 = self.new_node(item.tags.1);
                self.parse_sub_patterns(g2, el1, None, idx, patterns);
                self.nodes[el1].children.push(el2);
                self.parse_sub_patterns(g3, el2, None, idx, patterns);
                el1
            }
        }
    }

    fn parse_sub_patterns(&mut self, data: &str, parent: usize, mut last: Option<usize>, idx: usize, patterns: &[EmStrong]) {
        let delim = if std::ptr::eq(patterns, ASTERISK.as_slice()) { '*' } else { '_' };
        let mut offset = 0;
        let mut pos = 0;
        let len = data.len();
        while pos < len {
            if data[pos..].starts_with(delim) {
                let mut matched = false;
                for (index, item) in patterns.iter().enumerate() {
                    if index <= idx {
                        continue;
                    }
                    if let Some(m) = item.matcher.match_at(data, pos) {
                        let whole_end = m.end();
                        let text = &data[offset..pos];
                        if !text.is_empty() {
                            match last {
                                Some(l) => self.nodes[l].tail = Some(text.to_string()),
                                None => self.nodes[parent].text = Some(text.to_string()),
                            }
                        }
                        let el = self.build_element(&m, data, item, index, patterns);
                        self.nodes[parent].children.push(el);
                        last = Some(el);
                        offset = whole_end;
                        pos = whole_end;
                        matched = true;
                    }
                }
                if !matched {
                    pos += data[pos..].chars().next().map_or(1, char::len_utf8);
                }
            } else {
                pos += data[pos..].chars().next().map_or(1, char::len_utf8);
            }
        }
        let text = &data[offset.min(len)..];
        if !text.is_empty() {
            match last {
                Some(l) => self.nodes[l].tail = Some(text.to_string()),
                None => self.nodes[parent].text = Some(text.to_string()),
            }
        }
    }

    /// `LinkInlineProcessor.getLink`.
    fn get_link(&self, data: &str, index: usize) -> (String, Option<String>, usize, bool) {
        let mut href = String::new();
        let mut title: Option<String> = None;
        let mut handled = false;
        let mut index = index;
        let m = LINK_RE_LINK.match_at(data, index);
        match &m {
            Some(m) if m.get(data, 1).is_some_and(|g| !g.is_empty()) => {
                let g1 = m.get(data, 1).unwrap();
                href = py_strip(&g1[1..g1.len() - 1]).to_string();
                if let Some(g2) = m.get(data, 2).filter(|g| !g.is_empty()) {
                    title = Some(g2[1..g2.len() - 1].to_string());
                }
                index = m.end();
                handled = true;
            }
            Some(m) => {
                let mut bracket_count: i64 = 1;
                let mut backtrack_count: i64 = 1;
                let start_index = m.end();
                index = start_index;
                let mut last_bracket: isize = -1;
                let mut quote: Option<char> = None;
                let mut start_quote: isize = -1;
                let mut exit_quote: isize = -1;
                let mut ignore_matches = false;
                let mut alt_quote: Option<char> = None;
                let mut start_alt_quote: isize = -1;
                let mut exit_alt_quote: isize = -1;
                let mut last: Option<char> = None;
                for (pos, c) in data[start_index..].char_indices().map(|(p, c)| (p + start_index, c)) {
                    debug_assert_eq!(pos, index);
                    let at = index as isize;
                    if c == '(' {
                        if !ignore_matches {
                            bracket_count += 1;
                        } else if backtrack_count > 0 {
                            backtrack_count -= 1;
                        }
                    } else if c == ')' {
                        if (exit_quote != -1 && quote == last) || (exit_alt_quote != -1 && alt_quote == last) {
                            bracket_count = 0;
                        } else if !ignore_matches {
                            bracket_count -= 1;
                        } else if backtrack_count > 0 {
                            backtrack_count -= 1;
                            if backtrack_count == 0 {
                                last_bracket = at + 1;
                            }
                        }
                    } else if c == '\'' || c == '"' {
                        if quote.is_none() {
                            ignore_matches = true;
                            backtrack_count = bracket_count;
                            bracket_count = 1;
                            start_quote = at + 1;
                            quote = Some(c);
                        } else if Some(c) != quote && alt_quote.is_none() {
                            start_alt_quote = at + 1;
                            alt_quote = Some(c);
                        } else if Some(c) == quote {
                            exit_quote = at + 1;
                        } else if alt_quote.is_some() && Some(c) == alt_quote {
                            exit_alt_quote = at + 1;
                        }
                    }
                    index = pos + c.len_utf8();
                    if bracket_count == 0 {
                        if exit_quote >= 0 && quote == last {
                            href = data[start_index..(start_quote - 1) as usize].to_string();
                            title = Some(data[start_quote as usize..(exit_quote - 1) as usize].to_string());
                        } else if exit_alt_quote >= 0 && alt_quote == last {
                            href = data[start_index..(start_alt_quote - 1) as usize].to_string();
                            title = Some(data[start_alt_quote as usize..(exit_alt_quote - 1) as usize].to_string());
                        } else {
                            href = data[start_index..index - 1].to_string();
                        }
                        break;
                    }
                    if c != ' ' {
                        last = Some(c);
                    }
                }
                if bracket_count != 0 && backtrack_count == 0 {
                    href = data[start_index..(last_bracket - 1) as usize].to_string();
                    index = last_bracket as usize;
                    bracket_count = 0;
                }
                handled = bracket_count == 0;
            }
            None => {}
        }
        let title = title.map(|t| {
            let t = self.unescape_text(py_strip(&t));
            dequote(&t).chars().map(|c| if py_space(c) { ' ' } else { c }).collect::<String>()
        });
        let href = py_strip(&self.unescape_text(&href)).to_string();
        (href, title, index, handled)
    }

    /// `Pattern.unescape`: placeholders become their text content.
    fn unescape_text(&self, text: &str) -> String {
        PLACEHOLDER_RE
            .replace_all(text, |c: &Captures| match self.stashed.get(&c[1]) {
                Some(Stashed::Str(s)) => s.clone(),
                Some(Stashed::Node(n)) => {
                    let mut out = String::new();
                    self.itertext(*n, &mut out);
                    out
                }
                None => String::new(),
            })
            .into_owned()
    }

    /// `HtmlInlineProcessor.unescape`: placeholders become serialized HTML.
    fn unescape_html(&self, text: &str) -> String {
        PLACEHOLDER_RE
            .replace_all(text, |c: &Captures| match self.stashed.get(&c[1]) {
                Some(Stashed::Node(n)) => {
                    let mut out = String::new();
                    self.serialize(*n, &mut out, true);
                    self.unescape_html(&out)
                }
                Some(Stashed::Str(s)) => format!("\\{s}"),
                None => String::new(),
            })
            .into_owned()
    }

    fn itertext(&self, n: usize, out: &mut String) {
        if let Some(t) = &self.nodes[n].text {
            out.push_str(t);
        }
        for &c in &self.nodes[n].children {
            self.itertext(c, out);
            if let Some(t) = &self.nodes[c].tail {
                out.push_str(t);
            }
        }
    }

    /// `InlineProcessor.__processPlaceholders`.
    fn process_placeholders(&mut self, data: String, atomic: bool, parent: usize, is_text: bool) -> Vec<usize> {
        let mut result: Vec<usize> = Vec::new();
        let mut start = 0;
        let mut data = data;
        while !data.is_empty() {
            if let Some(index) = data[start..].find(INLINE_PREFIX).map(|i| i + start) {
                let found = PLACEHOLDER_RE
                    .captures_from_pos(&data, index)
                    .ok()
                    .flatten()
                    .map(|c| (c[1].to_string(), c.get(0).unwrap().end()));
                match found.and_then(|(id, e)| self.stashed.get(&id).cloned().map(|n| (n, e))) {
                    Some((node, ph_end)) => {
                        if index > 0 {
                            let text = data[start..index].to_string();
                            self.link_text(&text, false, &result, parent, is_text);
                        }
                        match node {
                            Stashed::Node(n) => {
                                let mut all = vec![n];
                                all.extend(self.nodes[n].children.iter().copied());
                                for child in all {
                                    if self.nodes[child].tail.as_deref().is_some_and(|t| !py_strip(t).is_empty()) {
                                        self.process_element_text(n, child, false);
                                    }
                                    if self.nodes[child].text.as_deref().is_some_and(|t| !py_strip(t).is_empty()) {
                                        self.process_element_text(child, child, true);
                                    }
                                }
                                start = ph_end;
                                result.push(n);
                            }
                            Stashed::Str(s) => {
                                self.link_text(&s, false, &result, parent, is_text);
                                start = ph_end;
                            }
                        }
                    }
                    None => {
                        let end = index + INLINE_PREFIX.len();
                        let text = data[start..end].to_string();
                        self.link_text(&text, false, &result, parent, is_text);
                        start = end;
                    }
                }
            } else {
                let text = data[start..].to_string();
                self.link_text(&text, atomic, &result, parent, is_text);
                data = String::new();
            }
        }
        result
    }

    fn link_text(&mut self, text: &str, atomic: bool, result: &[usize], parent: usize, is_text: bool) {
        if text.is_empty() {
            return;
        }
        let (slot, slot_atomic) = if let Some(&last) = result.last() {
            let n = &mut self.nodes[last];
            (&mut n.tail, &mut n.tail_atomic)
        } else if !is_text {
            let n = &mut self.nodes[parent];
            (&mut n.tail, &mut n.tail_atomic)
        } else {
            let n = &mut self.nodes[parent];
            (&mut n.text, &mut n.text_atomic)
        };
        match slot {
            Some(s) if !s.is_empty() => {
                s.push_str(text);
                *slot_atomic = false;
            }
            _ => {
                *slot = Some(text.to_string());
                *slot_atomic = atomic;
            }
        }
    }

    /// `InlineProcessor.__processElementText`.
    fn process_element_text(&mut self, node: usize, subnode: usize, is_text: bool) {
        let (text, atomic) = if is_text {
            let a = self.nodes[subnode].text_atomic;
            (self.nodes[subnode].text.take().unwrap_or_default(), a)
        } else {
            let a = self.nodes[subnode].tail_atomic;
            (self.nodes[subnode].tail.take().unwrap_or_default(), a)
        };
        let child_result = self.process_placeholders(text, atomic, subnode, is_text);
        let pos = if !is_text && node != subnode {
            self.nodes[node].children.iter().position(|c| *c == subnode).map_or(0, |p| p + 1)
        } else {
            0
        };
        for (k, n) in child_result.into_iter().enumerate() {
            self.nodes[node].children.insert(pos + k, n);
        }
    }

    // -----------------------------------------------------------------------------------
    // Tree processors, serializer, post-processors
    // -----------------------------------------------------------------------------------

    fn prettify(&mut self, root: usize) {
        self.prettify_elem(root);
        let mut all = Vec::new();
        self.iter(root, &mut all);
        for &n in &all {
            if self.nodes[n].tag == "br" {
                let t = match &self.nodes[n].tail {
                    Some(t) if !py_strip(t).is_empty() => format!("\n{t}"),
                    _ => "\n".to_string(),
                };
                self.nodes[n].tail = Some(t);
            }
        }
        for &n in &all {
            if self.nodes[n].tag == "pre" {
                if let Some(&code) = self.nodes[n].children.first() {
                    if self.nodes[code].tag == "code" && self.nodes[code].children.is_empty() {
                        if let Some(t) = &self.nodes[code].text {
                            let t = format!("{}\n", t.trim_end_matches(py_space));
                            self.nodes[code].text = Some(t);
                            self.nodes[code].text_atomic = true;
                        }
                    }
                }
            }
        }
    }

    fn prettify_elem(&mut self, elem: usize) {
        let tag = self.nodes[elem].tag.clone();
        if is_block_level(&tag) && tag != "code" && tag != "pre" {
            let text_blank = self.nodes[elem].text.as_deref().is_none_or(|t| py_strip(t).is_empty());
            if text_blank {
                if let Some(&first) = self.nodes[elem].children.first() {
                    if is_block_level(&self.nodes[first].tag) {
                        self.nodes[elem].text = Some("\n".into());
                    }
                }
            }
            for e in self.nodes[elem].children.clone() {
                if is_block_level(&self.nodes[e].tag) {
                    self.prettify_elem(e);
                }
            }
        }
        if self.nodes[elem].tail.as_deref().is_none_or(|t| py_strip(t).is_empty()) {
            self.nodes[elem].tail = Some("\n".into());
        }
    }

    fn iter(&self, n: usize, out: &mut Vec<usize>) {
        out.push(n);
        for &c in &self.nodes[n].children {
            self.iter(c, out);
        }
    }

    fn unescape_tree(&mut self, root: usize) {
        let mut all = Vec::new();
        self.iter(root, &mut all);
        for n in all {
            let node = &mut self.nodes[n];
            if node.tag != "code" {
                if let Some(t) = &node.text {
                    node.text = Some(unescape_stx(t));
                }
            }
            if let Some(t) = &node.tail {
                node.tail = Some(unescape_stx(t));
            }
            for (_, v) in node.attrs.iter_mut() {
                *v = unescape_stx(v);
            }
        }
    }

    /// `serializers._serialize_html` in XHTML mode.
    fn serialize(&self, n: usize, out: &mut String, with_tail: bool) {
        let node = &self.nodes[n];
        out.push('<');
        out.push_str(&node.tag);
        let mut attrs = node.attrs.clone();
        attrs.sort();
        for (k, v) in attrs {
            out.push_str(&format!(" {k}=\"{}\"", escape_attrib(&v)));
        }
        let lower = node.tag.to_lowercase();
        if HTML_EMPTY.contains(&lower.as_str()) {
            out.push_str(" />");
        } else {
            out.push('>');
            if let Some(t) = &node.text {
                if lower == "script" || lower == "style" {
                    out.push_str(t);
                } else {
                    out.push_str(&escape_cdata(t));
                }
            }
            for &c in &node.children {
                self.serialize(c, out, true);
            }
            out.push_str(&format!("</{}>", node.tag));
        }
        if with_tail {
            if let Some(t) = &node.tail {
                out.push_str(&escape_cdata(t));
            }
        }
    }

    /// `RawHtmlPostprocessor`.
    fn restore_raw_html(&self, text: &str) -> String {
        if self.html_stash.is_empty() {
            return text.to_string();
        }
        static RAW: LazyLock<Regex> =
            LazyLock::new(|| re("<p>\u{2}wzxhzdk:([0-9]+)\u{3}</p>|\u{2}wzxhzdk:([0-9]+)\u{3}"));
        self.substitute_raw(&RAW, text)
    }

    fn substitute_raw(&self, pattern: &Regex, text: &str) -> String {
        pattern
            .replace_all(text, |m: &Captures| {
                let (key, wrapped) = match m.get(1) {
                    Some(k) => (k.as_str(), true),
                    None => (m.get(2).unwrap().as_str(), false),
                };
                let Some(html) = key.parse::<usize>().ok().and_then(|k| self.html_stash.get(k)) else {
                    return m[0].to_string();
                };
                if !wrapped || raw_is_block_level(html) {
                    self.substitute_raw(pattern, html)
                } else {
                    self.substitute_raw(pattern, &format!("<p>{html}</p>"))
                }
            })
            .into_owned()
    }
}

fn raw_is_block_level(html: &str) -> bool {
    static BLOCK: LazyLock<Regex> = LazyLock::new(|| re(r"^\<\/?([^ >]+)"));
    match caps(&BLOCK, html) {
        Some(m) => {
            let name = m.get(1).unwrap().as_str();
            name.starts_with(['!', '?', '@', '%']) || is_block_level(name)
        }
        None => false,
    }
}


/// `LinkInlineProcessor.getText`: the text up to the matching `]`.
fn get_text(data: &str, index: usize) -> (String, usize, bool) {
    let mut bracket_count = 1;
    let mut text = String::new();
    let mut idx = index;
    for c in data[index..].chars() {
        if c == ']' {
            bracket_count -= 1;
        } else if c == '[' {
            bracket_count += 1;
        }
        idx += c.len_utf8();
        if bracket_count == 0 {
            break;
        }
        text.push(c);
    }
    (text, idx, bracket_count == 0)
}

fn codepoint2name(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "quot",
        '&' => "amp",
        '<' => "lt",
        '>' => "gt",
        _ => return None,
    })
}

static RE_AMP: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)&(?!(?:\#[0-9]+|\#x[0-9a-f]+|[0-9a-z]+);)"));

fn escape_cdata(text: &str) -> String {
    let mut t = if text.contains('&') { RE_AMP.replace_all(text, "&amp;").into_owned() } else { text.to_string() };
    t = t.replace('<', "&lt;").replace('>', "&gt;");
    t
}

fn escape_attrib(text: &str) -> String {
    escape_cdata(text).replace('"', "&quot;")
}

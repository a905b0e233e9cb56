//! `GET /api/changelog`: upstream's CHANGELOG.md as the reference serves it.
//!
//! The reference (`open_webui/env.py`) converts the file with python-markdown, parses the
//! HTML with BeautifulSoup and walks it: every `h2` is a version (`## [0.12.4] - 2026-10-25`),
//! every `h3` after it a section (`### Added`) whose items are all the `li` elements of the
//! next `ul` sibling, each as `{title, content, raw}`. The endpoint answers the first five
//! versions. [`markdown`] and [`soup`] port the two libraries closely enough that the result
//! is byte-identical (checked against the reference in the integration tests).

pub mod markdown;
pub mod soup;

use serde_json::{json, Map, Value};

use soup::Soup;

/// How many versions `/api/changelog` answers (`idx < 5` in `main.py`).
pub const SERVED_VERSIONS: usize = 5;

/// Every version of `changelog_md`, as `env.py`'s `CHANGELOG` (version → sections).
pub fn parse(changelog_md: &str) -> Map<String, Value> {
    let html = markdown::to_html(changelog_md);
    parse_html(&html)
}

/// The walk over python-markdown's HTML.
pub fn parse_html(html: &str) -> Map<String, Value> {
    let soup = Soup::parse(html);
    let mut out = Map::new();
    for version in soup.find_all(soup.root(), "h2") {
        let text = soup.get_text(version, "", false);
        let text = markdown::py_strip(&text);
        let mut parts = text.split(" - ");
        let first: Vec<char> = parts.next().unwrap_or("").chars().collect();
        // [1:-1] removes the brackets.
        let number: String = if first.len() >= 2 { first[1..first.len() - 1].iter().collect() } else { String::new() };
        let Some(date) = parts.next() else {
            // The reference raises here (IndexError) and would not start; skip the heading.
            continue;
        };
        let mut data = Map::new();
        data.insert("date".into(), json!(date));
        let mut current = soup.find_next_sibling(version, None);
        while let Some(cur) = current {
            if soup.tag_name(cur) == Some("h2") {
                break;
            }
            if soup.tag_name(cur) == Some("h3") {
                let title = soup.get_text(cur, "", false).to_lowercase();
                let items = match soup.find_next_sibling(cur, Some("ul")) {
                    Some(ul) => parse_section(&soup, ul),
                    None => Vec::new(),
                };
                data.insert(title, Value::Array(items));
            }
            current = soup.find_next_sibling(cur, None);
        }
        out.insert(number, Value::Object(data));
    }
    out
}

fn parse_section(soup: &Soup, section: usize) -> Vec<Value> {
    soup.find_all(section, "li")
        .into_iter()
        .map(|li| {
            let raw = soup.to_html(li);
            let text = soup.get_text(li, " ", true);
            let (title, content) = match text.split_once(": ") {
                Some((t, c)) => (markdown::py_strip(t).to_string(), markdown::py_strip(c).to_string()),
                None => (String::new(), text.clone()),
            };
            json!({ "title": title, "content": content, "raw": raw })
        })
        .collect()
}

/// The first [`SERVED_VERSIONS`] versions: the body of `GET /api/changelog`.
pub fn served(all: &Map<String, Value>) -> Value {
    Value::Object(all.iter().take(SERVED_VERSIONS).map(|(k, v)| (k.clone(), v.clone())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs of ours with the outputs of python-markdown 3.10.2 and BeautifulSoup 4.14.3
    /// (the reference venv's), covering the constructs and quirks the port reproduces.
    const CASES: &str = include_str!("cases.json");

    #[derive(serde::Deserialize)]
    struct Case {
        md: String,
        html: String,
        json: Option<String>,
    }

    fn cases() -> Vec<Case> {
        serde_json::from_str(CASES).expect("cases.json")
    }

    #[test]
    fn markdown_is_python_markdowns() {
        for c in cases() {
            assert_eq!(markdown::to_html(&c.md), c.html, "input: {:?}", c.md);
        }
    }

    #[test]
    fn walk_is_env_pys() {
        for c in cases() {
            if let Some(want) = c.json {
                let got = serde_json::to_string(&parse_html(&c.html)).unwrap();
                assert_eq!(got, want, "html: {}", c.html);
                assert_eq!(serde_json::to_string(&parse(&c.md)).unwrap(), want);
            }
        }
    }

    #[test]
    fn served_is_the_first_five() {
        let md: String = (0..7).map(|i| format!("## [0.{i}.0] - 2024-01-0{}\n\n### Added\n\n- x{i}\n\n", i + 1)).collect();
        let all = parse(&md);
        assert_eq!(all.len(), 7);
        let served = served(&all);
        let keys: Vec<&String> = served.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["0.0.0", "0.1.0", "0.2.0", "0.3.0", "0.4.0"]);
    }
}

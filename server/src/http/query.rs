//! FastAPI's parsing of query parameters, shared by the resources that take them as text.
//!
//! The query structs of `spec` keep numbers and booleans as text, so that a handler can check the
//! session first and then answer a bad value with FastAPI's 422 (the reference resolves the
//! session dependency before it reports a query's validation errors).

use serde_json::json;
use webui_api::Detail;

/// FastAPI's `int` query parameter: `None` when absent, pydantic's `int_parsing` 422 otherwise.
pub fn int(name: &str, v: &Option<String>) -> Result<Option<i64>, Detail> {
    match v {
        None => Ok(None),
        Some(s) => s.trim().parse::<i64>().map(Some).map_err(|_| {
            Detail::validation(vec![json!({
                "type": "int_parsing", "loc": ["query", name],
                "msg": "Input should be a valid integer, unable to parse string as an integer", "input": s,
            })])
        }),
    }
}

/// FastAPI's `bool = False` query parameter (pydantic's lax string forms).
pub fn boolean(name: &str, v: &Option<String>) -> Result<bool, Detail> {
    match v.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(false),
        Some("1" | "on" | "t" | "true" | "y" | "yes") => Ok(true),
        Some("0" | "off" | "f" | "false" | "n" | "no") => Ok(false),
        Some(_) => Err(Detail::validation(vec![json!({
            "type": "bool_parsing", "loc": ["query", name],
            "msg": "Input should be a valid boolean, unable to interpret input", "input": v,
        })])),
    }
}

/// FastAPI's `Optional[bool] = None` query parameter.
pub fn opt_boolean(name: &str, v: &Option<String>) -> Result<Option<bool>, Detail> {
    match v {
        None => Ok(None),
        some => boolean(name, some).map(Some),
    }
}

/// The errors of a 422 answer, to gather several parameters' errors into one answer.
pub fn errors_of(d: Detail) -> Vec<serde_json::Value> {
    d.detail.as_array().cloned().unwrap_or_default()
}

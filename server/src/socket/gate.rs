//! What the reference answers at `/ws/socket.io` before python-engineio takes a request, and the
//! errors python-engineio itself gives (socketioxide's own are Node's, `{"code":..,"message":..}`):
//! `AppHTTPMiddleware._reject_invalid_websocket` (`utils/asgi_middleware.py`), then
//! `AsyncServer.handle_request` (`engineio/async_server.py`): the origin, the transport, the
//! protocol version, the upgrade, the session.

use http::{HeaderMap, Method, StatusCode};

/// An answer the gate gives instead of socket.io: status, content type, body.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
}

impl Refusal {
    /// `BaseServer._bad_request(message)`: 400, the message as a JSON string, `text/plain`.
    fn bad_request(message: &str) -> Refusal {
        Refusal { status: StatusCode::BAD_REQUEST, content_type: "text/plain", body: serde_json::Value::from(message).to_string() }
    }
}

/// The query's values by name, in order (`urllib.parse.parse_qs`, blank values dropped).
fn query_values<'a>(query: &'a str, name: &str) -> Vec<std::borrow::Cow<'a, str>> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| percent_encoding::percent_decode_str(v).decode_utf8_lossy())
        .collect()
}

/// The session id a request names (`?sid=`), if any.
pub fn sid(query: &str) -> Option<String> {
    query_values(query, "sid").first().map(|s| s.to_string())
}

/// What the reference answers instead of handing the request to Engine.IO, if anything.
/// `websocket_only`: `transports=['websocket']` (ENABLE_WEBSOCKET_SUPPORT) rather than polling.
/// `allowed_origins`: CORS_ALLOW_ORIGIN (`["*"]`: any).
pub fn check(method: &Method, query: &str, headers: &HeaderMap, websocket_only: bool, allowed_origins: &[String]) -> Option<Refusal> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    let transport = query_values(query, "transport").first().map(|t| t.to_string());
    // The middleware: a websocket transport needs a websocket upgrade.
    if transport.as_deref() == Some("websocket") {
        let upgrade = header("upgrade").unwrap_or_default();
        let connection = header("connection").unwrap_or_default();
        if !(upgrade == "websocket" && connection.split(',').any(|t| t.trim() == "upgrade")) {
            return Some(Refusal {
                status: StatusCode::BAD_REQUEST,
                content_type: "application/json",
                body: r#"{"detail":"Invalid WebSocket upgrade request"}"#.into(),
            });
        }
    }
    // `cors_allowed_origins`: '*' when CORS_ALLOW_ORIGIN is ['*'], else the list.
    if let Some(origin) = headers.get(http::header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if allowed_origins != ["*"] && !allowed_origins.iter().any(|a| a == origin) {
            return Some(Refusal::bad_request(&format!("{origin} is not an accepted origin.")));
        }
    }
    let transport = transport.unwrap_or_else(|| "polling".into());
    let allowed = if websocket_only { "websocket" } else { "polling" };
    if transport != allowed {
        return Some(Refusal::bad_request("Invalid transport"));
    }
    let sid = sid(query);
    if sid.is_none() && query_values(query, "EIO") != ["4"] {
        return Some(Refusal::bad_request(
            "The client is using an unsupported version of the Socket.IO or Engine.IO protocols",
        ));
    }
    if *method == Method::POST {
        if sid.is_none() {
            return Some(Refusal::bad_request("Invalid session None"));
        }
    } else if *method != Method::GET {
        return Some(Refusal {
            status: StatusCode::METHOD_NOT_ALLOWED,
            content_type: "text/plain",
            body: "Method Not Found".into(),
        });
    }
    None
}

/// socketioxide's answer for a session it does not know, as python-engineio words it.
pub fn unknown_session(sid: &str) -> Refusal {
    Refusal::bad_request(&format!("Invalid session {sid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("upgrade", "websocket".parse().unwrap());
        h.insert("connection", "keep-alive, Upgrade".parse().unwrap());
        h
    }

    #[test]
    fn the_references_order_of_checks() {
        let any = ["*".to_string()];
        let get = Method::GET;
        let none = HeaderMap::new();
        let body = |r: Option<Refusal>| r.map(|r| (r.status.as_u16(), r.body));
        assert_eq!(body(check(&get, "EIO=4&transport=polling", &none, true, &any)), Some((400, r#""Invalid transport""#.into())));
        assert_eq!(body(check(&get, "", &none, true, &any)), Some((400, r#""Invalid transport""#.into())));
        assert_eq!(
            body(check(&get, "EIO=4&transport=websocket", &none, true, &any)),
            Some((400, r#"{"detail":"Invalid WebSocket upgrade request"}"#.into()))
        );
        assert_eq!(check(&get, "EIO=4&transport=websocket", &ws_headers(), true, &any), None);
        assert!(body(check(&get, "EIO=3&transport=websocket", &ws_headers(), true, &any)).unwrap().1.contains("unsupported version"));
        // A session named: the version is not checked; Engine.IO answers for the session.
        assert_eq!(check(&get, "transport=websocket&sid=abc", &ws_headers(), true, &any), None);
        assert_eq!(check(&get, "EIO=4&transport=polling", &none, false, &any), None);
        assert_eq!(
            body(check(&Method::POST, "EIO=4&transport=polling", &none, false, &any)),
            Some((400, r#""Invalid session None""#.into()))
        );
        assert_eq!(body(check(&Method::PUT, "EIO=4&transport=polling", &none, false, &any)).unwrap().0, 405);
        let mut h = ws_headers();
        h.insert("origin", "https://evil.example".parse().unwrap());
        let listed = ["https://chat.example".to_string()];
        assert_eq!(
            body(check(&get, "EIO=4&transport=websocket", &h, true, &listed)),
            Some((400, r#""https://evil.example is not an accepted origin.""#.into()))
        );
        assert_eq!(check(&get, "EIO=4&transport=websocket", &h, true, &any), None);
    }
}

//! The public routes, byte for byte as the reference answers them on a fresh install.

use crate::common::*;

#[tokio::test]
async fn health_routes() {
    let s = TestServer::start().await;
    for path in ["/health", "/health/db", "/ready"] {
        let (status, ct, body) = get(&format!("{}{path}", s.url)).await;
        assert_eq!((status, ct.as_str(), body.as_slice()), (200, "application/json", &br#"{"status":true}"#[..]), "{path}");
    }
}

#[tokio::test]
async fn version_reports_upstream_and_deployment_id() {
    let s = TestServer::start_with(&[("DEPLOYMENT_ID", "blue")]).await;
    let (status, _, body) = get(&format!("{}/api/version", s.url)).await;
    assert_eq!(status, 200);
    assert_eq!(body, br#"{"version":"0.12.4","deployment_id":"blue"}"#);
}

#[tokio::test]
async fn config_is_onboarding_while_no_user_exists() {
    let s = TestServer::start().await;
    let (status, _, body) = get(&format!("{}/api/config", s.url)).await;
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"onboarding":true,"status":true,"name":"Open WebUI","version":"0.12.4","default_locale":"","i18n":{},"oauth":{"providers":{},"auto_redirect":false},"features":{"slim":false,"auth":true,"auth_trusted_header":false,"enable_signup_password_confirmation":false,"enable_ldap":false,"enable_signup":true,"enable_login_form":true,"enable_websocket":true}}"#
    );

    // Once a user exists, onboarding is gone.
    let client = s.db.client().await;
    client
        .execute(
            r#"INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at)
               VALUES ('u1', 'A', 'a@example.com', 'admin', '', 0, 0, 0)"#,
            &[],
        )
        .await
        .unwrap();
    let (_, _, body) = get(&format!("{}/api/config", s.url)).await;
    assert!(String::from_utf8(body).unwrap().starts_with(r#"{"status":true,"name":"Open WebUI""#));
}

#[tokio::test]
async fn config_reads_settings_stored_in_the_database() {
    let s = TestServer::start().await;
    let client = s.db.client().await;
    client
        .execute("INSERT INTO config (key, value, updated_at) VALUES ('ui.enable_signup', 'false'::json, 0)", &[])
        .await
        .unwrap();
    s.reload_settings().await;
    let (_, _, body) = get(&format!("{}/api/config", s.url)).await;
    assert!(String::from_utf8(body).unwrap().contains(r#""enable_signup":false"#));
}

#[tokio::test]
async fn webui_name_gets_the_suffix() {
    let s = TestServer::start_with(&[("WEBUI_NAME", "Acme")]).await;
    let (_, _, body) = get(&format!("{}/manifest.json", s.url)).await;
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r##"{"name":"Acme (Open WebUI)","short_name":"Acme (Open WebUI)","description":"Acme (Open WebUI) is an open, extensible, user-friendly interface for AI that adapts to your workflow.","start_url":"/","display":"standalone","background_color":"#343541","icons":[{"src":"/static/logo.png","type":"image/png","sizes":"500x500","purpose":"any"},{"src":"/static/logo.png","type":"image/png","sizes":"500x500","purpose":"maskable"}],"share_target":{"action":"/","method":"GET","params":{"text":"shared"}}}"##
    );
}

#[tokio::test]
async fn opensearch_uses_webui_url() {
    let s = TestServer::start_with(&[("WEBUI_URL", "https://chat.example.com")]).await;
    let (status, ct, body) = get(&format!("{}/opensearch.xml", s.url)).await;
    assert_eq!((status, ct.as_str()), (200, "application/xml"));
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains(r#"<Url type="text/html" method="get" template="https://chat.example.com/?q={searchTerms}"/>"#), "{body}");
    assert!(body.starts_with("\n    <OpenSearchDescription"));
}

/// A known path with a method it does not serve: FastAPI's 405, not dropshot's router body.
#[tokio::test]
async fn unserved_method_answers_like_fastapi() {
    let s = TestServer::start().await;
    let client = reqwest::Client::new();
    for (method, path) in [("POST", "/health"), ("DELETE", "/ready"), ("PUT", "/api/version"), ("PATCH", "/api/config")] {
        let r = client.request(method.parse().unwrap(), format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 405, "{method} {path}");
        assert_eq!(&r.bytes().await.unwrap()[..], br#"{"detail":"Method Not Allowed"}"#, "{method} {path}");
    }
    // HEAD falls through to the SPA mount; without a web UI build that is FastAPI's 404.
    let r = client.head(format!("{}/health", s.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

/// Answers are gzip-compressed for clients that accept it, as the reference's compression
/// middleware does (`ENABLE_COMPRESSION_MIDDLEWARE`, default on).
#[tokio::test]
async fn answers_are_compressed_unless_turned_off() {
    /// The session user (its permissions make it well over dropshot's 512-byte floor).
    async fn session_user(base: &str, gzip: bool) -> (Option<String>, Vec<u8>) {
        let body = serde_json::json!({"name": "Z", "email": "z@example.com", "password": "pw"});
        let r = reqwest::Client::new().post(format!("{base}/api/v1/auths/signup")).json(&body).send().await.unwrap();
        let token = match r.status().as_u16() {
            200 => r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string(),
            _ => {
                let r = reqwest::Client::new().post(format!("{base}/api/v1/auths/signin")).json(&body).send().await.unwrap();
                r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string()
            }
        };
        let mut rb = reqwest::Client::new().get(format!("{base}/api/v1/auths/")).bearer_auth(token);
        if gzip {
            rb = rb.header("accept-encoding", "gzip");
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 200);
        let enc = r.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
        (enc, r.bytes().await.unwrap().to_vec())
    }
    let s = TestServer::start().await;
    let (enc, body) = session_user(&s.url, true).await;
    assert_eq!(enc.as_deref(), Some("gzip"));
    assert_eq!(&body[..2], &[0x1f, 0x8b]);
    let (enc, plain) = session_user(&s.url, false).await;
    assert_eq!(enc, None);
    assert!(plain.len() > body.len(), "{} vs {}", plain.len(), body.len());
    let s = TestServer::start_with(&[("ENABLE_COMPRESSION_MIDDLEWARE", "false")]).await;
    assert_eq!(session_user(&s.url, true).await.0, None);
}

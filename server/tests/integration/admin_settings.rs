//! The admin panel's settings pages outside `/api/v1/configs` (retrieval, images, audio,
//! evaluations) and the Pipelines servers: the reference's defaults when nothing is stored, a
//! stored setting read back, admin only.

use crate::common::*;
use crate::users::{req, setup, ACCESS_PROHIBITED};

#[tokio::test]
async fn settings_pages_read_the_reference_defaults() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;

    let r = req("GET", &s.url, "/api/v1/retrieval/config", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], true);
    assert_eq!(v["TOP_K"], 3);
    assert_eq!(v["RELEVANCE_THRESHOLD"], 0.0);
    assert_eq!(v["CHUNK_SIZE"], 1000);
    assert!(v["RAG_TEMPLATE"].as_str().unwrap().starts_with("### Task:"));
    assert_eq!(v["web"]["ENABLE_WEB_SEARCH"], false);
    assert_eq!(v["web"]["YOUTUBE_LOADER_LANGUAGE"], serde_json::json!(["en"]));
    assert!(v["web"]["YOUTUBE_LOADER_TRANSLATION"].is_null());
    // Field order is the reference's: `status` first, `web` last.
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!((keys[0].as_str(), keys[1].as_str(), keys.last().unwrap().as_str()), ("status", "RAG_TEMPLATE", "web"));

    let r = req("GET", &s.url, "/api/v1/retrieval/embedding", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["RAG_EMBEDDING_MODEL"], "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(v["azure_openai_config"].as_object().unwrap().len(), 3);

    let r = req("GET", &s.url, "/api/v1/images/config", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ENABLE_IMAGE_GENERATION"], false);
    assert_eq!(r.json()["IMAGE_SIZE"], "512x512");

    let r = req("GET", &s.url, "/api/v1/audio/config", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["tts"]["VOICE"], "alloy");
    assert_eq!(r.json()["stt"]["WHISPER_MODEL"], "base");

    for path in ["/api/v1/retrieval/config", "/api/v1/retrieval/embedding", "/api/v1/images/config", "/api/v1/audio/config", "/api/v1/evaluations/config", "/api/v1/pipelines/list"] {
        let r = req("GET", &s.url, path, Some(&a.user), None).await;
        assert_eq!((r.status, r.json()["detail"].as_str()), (401, Some(ACCESS_PROHIBITED)), "{path}");
    }
}

#[tokio::test]
async fn a_stored_setting_wins_over_the_default() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    // As the reference stores it (one `config` row a key), then the settings reloaded as on a
    // write by another instance.
    let db = s.db.client().await;
    db.execute("INSERT INTO config (key, value, updated_at) VALUES ('rag.top_k', '7', 1)", &[]).await.unwrap();
    db.execute("NOTIFY owui_rs_config", &[]).await.unwrap();
    let mut top_k = serde_json::Value::Null;
    for _ in 0..50 {
        top_k = req("GET", &s.url, "/api/v1/retrieval/config", Some(&a.admin), None).await.json()["TOP_K"].clone();
        if top_k == 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(top_k, 7);
}

#[tokio::test]
async fn evaluations_config_sets_the_fields_given() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/evaluations/config", Some(&a.admin), None).await;
    assert_eq!(r.json(), serde_json::json!({"ENABLE_EVALUATION_ARENA_MODELS": false, "EVALUATION_ARENA_MODELS": []}));

    let body = r#"{"ENABLE_EVALUATION_ARENA_MODELS": true, "EVALUATION_ARENA_MODELS": [{"id": "arena", "name": "Arena"}]}"#;
    let r = req("POST", &s.url, "/api/v1/evaluations/config", Some(&a.admin), Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/evaluations/config", Some(&a.admin), Some(r#"{"ENABLE_EVALUATION_ARENA_MODELS": false}"#)).await;
    assert_eq!(r.json(), serde_json::json!({"ENABLE_EVALUATION_ARENA_MODELS": false, "EVALUATION_ARENA_MODELS": [{"id": "arena", "name": "Arena"}]}));
    let r = req("GET", &s.url, "/api/v1/evaluations/config", Some(&a.admin), None).await;
    assert_eq!(r.json()["EVALUATION_ARENA_MODELS"][0]["id"], "arena");

    let r = req("POST", &s.url, "/api/v1/evaluations/config", Some(&a.admin), Some(r#"{"ENABLE_EVALUATION_ARENA_MODELS": "maybe"}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = req("POST", &s.url, "/api/v1/evaluations/config", Some(&a.user), Some(r#"{"ENABLE_EVALUATION_ARENA_MODELS": true}"#)).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn pipelines_lists_only_connections_that_say_pipelines() {
    // Two OpenAI connections: a Pipelines server and a plain provider.
    let pipelines = fake_models_server(r#"{"data": [], "pipelines": true}"#).await;
    let plain = fake_models_server(r#"{"data": []}"#).await;
    let urls = format!("{pipelines};{plain}");
    let s = TestServer::start_with(&[("OPENAI_API_BASE_URLS", &urls), ("OPENAI_API_KEYS", "k1;k2")]).await;
    let a = setup(&s.url).await;
    let r = req("GET", &s.url, "/api/v1/pipelines/list", Some(&a.admin), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), serde_json::json!({"data": [{"url": pipelines, "idx": 0}]}));
}

/// A server answering `GET /models` with `body`; its base URL.
async fn fake_models_server(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let answer = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                let _ = sock.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

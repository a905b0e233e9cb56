//! The runner's verdicts end to end, over HTTP, against two small dropshot servers standing in for
//! the two backends (this tests the harness, not our server): identical, different, missing,
//! pending, expected, blocked, error and one-sided steps, and per-side captures.

use std::sync::Arc;

use compat_tests::compare::Verdict;
use compat_tests::masks::Masks;
use compat_tests::runner::{run_scenario, Backend, Pair, RunCtx};
use compat_tests::scenario::{Mode, Scenario};
use compat_tests::wire;
use dropshot::{endpoint, ApiDescription, Body, ConfigDropshot, ConfigLogging, ConfigLoggingLevel, HttpError, RequestContext, ServerBuilder};
use http::Response;

/// true: plays the reference; false: plays our server (no /login route, a different /differ).
struct Flavor(bool);

fn json(v: serde_json::Value) -> Result<Response<Body>, HttpError> {
    Ok(Response::builder().status(200).header("content-type", "application/json").body(Body::from(v.to_string())).unwrap())
}

#[endpoint { method = GET, path = "/same" }]
async fn same(_rq: RequestContext<Flavor>) -> Result<Response<Body>, HttpError> {
    json(serde_json::json!({"id": uuid(), "status": true}))
}

#[endpoint { method = GET, path = "/differ" }]
async fn differ(rq: RequestContext<Flavor>) -> Result<Response<Body>, HttpError> {
    json(serde_json::json!({"n": if rq.context().0 { 1 } else { 2 }}))
}

#[endpoint { method = POST, path = "/login" }]
async fn login(_rq: RequestContext<Flavor>) -> Result<Response<Body>, HttpError> {
    json(serde_json::json!({"token": "tok"}))
}

#[endpoint { method = GET, path = "/me" }]
async fn me(rq: RequestContext<Flavor>) -> Result<Response<Body>, HttpError> {
    let auth = rq.request.headers().get("authorization").map(|v| v.to_str().unwrap().to_string());
    json(serde_json::json!({"auth": auth}))
}

fn uuid() -> String {
    // A fresh random-looking uuid per call: masked, so both sides still compare identical.
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{:08x}-0000-4000-8000-{:012x}", (n & 0xffff_ffff) as u32, (n >> 32) as u64 & 0xffff_ffff_ffff)
}

fn start(reference: bool) -> dropshot::HttpServer<Flavor> {
    let mut api = ApiDescription::new();
    api.register(same).unwrap();
    api.register(differ).unwrap();
    api.register(me).unwrap();
    if reference {
        api.register(login).unwrap();
    }
    let log = ConfigLogging::StderrTerminal { level: ConfigLoggingLevel::Error }.to_logger("runner-test").unwrap();
    ServerBuilder::new(api, Flavor(reference), log)
        .config(ConfigDropshot { bind_address: "127.0.0.1:0".parse().unwrap(), ..Default::default() })
        .start()
        .unwrap()
}

#[tokio::test]
async fn verdicts_over_http() {
    let r = start(true);
    let s = start(false);
    let pair = Pair {
        mode: Mode::Separate,
        reference: Backend { role: "reference", url: format!("http://{}", r.local_addr()), upstream: "http://127.0.0.1:9".into() },
        server: Backend { role: "server", url: format!("http://{}", s.local_addr()), upstream: "http://127.0.0.1:9".into() },
    };
    let ctx = RunCtx {
        masks: Arc::new(Masks::load(&compat_tests::crate_dir().join("masks.toml")).unwrap()),
        coverage: None,
        client: wire::client(),
        ignore_marks: false,
        quiet: true,
    };
    let text = r#"
description = "runner test"
[[step]]
name = "same"
path = "/same"
[[step]]
name = "differ"
path = "/differ"
[[step]]
name = "differ, expected"
path = "/differ"
expected_difference = "a reason long enough"
[[step]]
name = "login: missing on our side"
method = "POST"
path = "/login"
capture = { token = "/token" }
[[step]]
name = "uses the token: blocked on our side"
path = "/me"
headers = { Authorization = "Bearer {{token}}" }
[[step]]
name = "login again, pending"
method = "POST"
path = "/login"
pending = "a reason long enough"
[[step]]
name = "unknown variable"
path = "/me"
headers = { Authorization = "Bearer {{nope}}" }
[[step]]
name = "one-sided"
method = "POST"
path = "/login"
on = "reference"
capture = { shared = "/token" }
expect_status = 200
[[step]]
name = "a one-sided capture serves both sides"
path = "/me"
headers = { Authorization = "Bearer {{shared}}" }
[[step]]
name = "wrong expectation of the reference"
path = "/same"
expect_status = 201
"#;
    let sc = Scenario::parse("t", std::path::Path::new("t"), text).unwrap();
    let res = run_scenario(&ctx, &pair, &sc).await;
    let got: Vec<(&str, Verdict)> = res.steps.iter().map(|s| (s.name.as_str(), s.verdict)).collect();
    assert_eq!(
        got,
        vec![
            ("same", Verdict::Identical),
            ("differ", Verdict::Different),
            ("differ, expected", Verdict::Expected),
            ("login: missing on our side", Verdict::Missing),
            ("uses the token: blocked on our side", Verdict::Blocked),
            ("login again, pending", Verdict::Pending),
            ("unknown variable", Verdict::Error),
            ("one-sided", Verdict::OneSided),
            ("a one-sided capture serves both sides", Verdict::Identical),
            ("wrong expectation of the reference", Verdict::Error),
        ]
    );
    assert_eq!(res.steps[1].diff, vec!["body: 7 vs 7 bytes, first difference at byte 5".to_string(), "reference: {\"n\":1}".into(), "server:    {\"n\":2}".into()]);
    r.close().await.unwrap();
    s.close().await.unwrap();
}

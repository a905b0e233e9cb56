//! The "missing" signature against a real dropshot router (not a hand-written body): a path or
//! method no handler serves must classify as missing, never identical nor merely different.

use std::collections::BTreeMap;

use compat_tests::compare::{self, router_answer, Verdict};
use compat_tests::masks::{Literals, MaskState, Masks};
use compat_tests::scenario::Scenario;
use compat_tests::wire;
use dropshot::{endpoint, ApiDescription, ConfigDropshot, ConfigLogging, ConfigLoggingLevel, HttpError, HttpResponseOk, RequestContext, ServerBuilder};

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Status {
    status: bool,
}

#[endpoint { method = GET, path = "/health" }]
async fn health(_rq: RequestContext<()>) -> Result<HttpResponseOk<Status>, HttpError> {
    Ok(HttpResponseOk(Status { status: true }))
}

#[tokio::test]
async fn dropshot_router_answers_classify_as_missing() {
    let mut api = ApiDescription::new();
    api.register(health).unwrap();
    let log = ConfigLogging::StderrTerminal { level: ConfigLoggingLevel::Error }.to_logger("router-test").unwrap();
    let server = ServerBuilder::new(api, (), log)
        .config(ConfigDropshot { bind_address: "127.0.0.1:0".parse().unwrap(), ..Default::default() })
        .start()
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    let client = wire::client();
    let masks = Masks::load(&compat_tests::crate_dir().join("masks.toml")).unwrap();

    let sc = Scenario::parse(
        "t",
        std::path::Path::new("t"),
        "description = \"d\"\n[[step]]\nname = \"a\"\npath = \"/api/v1/nope\"\n[[step]]\nname = \"b\"\nmethod = \"POST\"\npath = \"/health\"\n[[step]]\nname = \"c\"\npath = \"/health\"\n",
    )
    .unwrap();
    let mut verdicts = vec![];
    for st in &sc.steps {
        let req = wire::build(st, &BTreeMap::new()).unwrap();
        let ours = wire::send(&client, &base, &req).await.unwrap();
        // The "reference" here: what FastAPI would send for the first two, the same bytes for the third.
        let reference = match st.name.as_str() {
            "a" => wire::RawResponse { status: 200, headers: vec![("content-type".into(), "text/html; charset=utf-8".into())], body: b"<!doctype html>".to_vec(), millis: 0 },
            "b" => wire::RawResponse { status: 405, headers: vec![("content-type".into(), "application/json".into())], body: br#"{"detail":"Method Not Allowed"}"#.to_vec(), millis: 0 },
            _ => ours.clone(),
        };
        let l = Literals::default();
        let a = compare::mask(&masks, &mut MaskState::default(), &l, &reference, &[]);
        let b = compare::mask(&masks, &mut MaskState::default(), &l, &ours, &[]);
        let d = compare::diff(&a, &b, compare::stream_kind(None, reference.content_type()));
        verdicts.push((router_answer(&ours).is_some(), compare::classify(st, &d, &ours)));
    }
    assert_eq!(verdicts, vec![(true, Verdict::Missing), (true, Verdict::Missing), (false, Verdict::Identical)]);
    assert!(Verdict::Missing.fails());
    server.close().await.unwrap();
}

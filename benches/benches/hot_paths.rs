//! The per-request hot paths, each measured on its own (issue 15): the token check and the whole
//! per-request authentication, the permission merge, a sidebar page (the query and its
//! serialisation), the model list for a regular user with 200 models and 50 groups, relaying one
//! streamed chunk to the web UI, and the password check that bounds a sign-in. Run: `cargo bench -p benches --bench hot_paths`.
//!
//! Everything runs on a real server (`TestServer`, real PostgreSQL) seeded through its HTTP API, then
//! calls the app layer directly (`server::app::...`), the way the handlers do, so the figures leave out
//! HTTP (the `http` bench measures whole requests).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::{json, Map, Value};
use server::app::session::{self, permissions, Credentials, SessionUser};
use server::testing::{TestServer, TEST_SECRET};

const PASSWORD: &str = "Bench-Passw0rd!";
const MODELS: usize = 200;
const GROUPS: usize = 50;
const CHATS: usize = 61;

struct Seeded {
    _upstream: compat_tests::fake_llm::FakeLlm,
    server: TestServer,
    user_token: String,
}

async fn post(c: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut rb = c.post(url).json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("request");
    assert!(r.status().is_success(), "seeding answered {}", r.status());
    r.json().await.expect("json")
}

/// An admin, one regular user in 50 groups, 200 workspace models (presets on a base model, which
/// the list shows whether or not a connection serves the base) each readable by one of the groups
/// (so the list walks every grant), and a page + 1 of chats for the user.
async fn seed() -> Seeded {
    // The compat harness's fake OpenAI upstream serves the base model (a list with no base model is empty).
    let upstream = compat_tests::fake_llm::FakeLlm::start(compat_tests::fake_llm::FakeConfig::default_file().expect("fake-llm.toml"), 0)
        .await
        .expect("fake upstream");
    let base = format!("{}/v1", upstream.url);
    let server = TestServer::start_with(&[("OPENAI_API_BASE_URL", &base), ("OPENAI_API_KEY", "k"), ("ENABLE_OLLAMA_API", "false")]).await;
    let c = reqwest::Client::new();
    let u = &server.url;
    let admin = post(&c, format!("{u}/api/v1/auths/signup"), None, json!({"name": "Admin", "email": "admin@bench.test", "password": PASSWORD})).await;
    let admin = admin["token"].as_str().expect("token").to_owned();
    let user = post(&c, format!("{u}/api/v1/auths/add"), Some(&admin),
        json!({"name": "User", "email": "user@bench.test", "password": PASSWORD, "role": "user"})).await;
    let (user_id, user_token) = (user["id"].as_str().expect("id").to_owned(), user["token"].as_str().expect("token").to_owned());
    let mut groups = Vec::new();
    for g in 0..GROUPS {
        let r = post(&c, format!("{u}/api/v1/groups/create"), Some(&admin), json!({"name": format!("Group {g}"), "description": "bench",
            "permissions": {"workspace": {"models": g % 2 == 0}, "chat": {"file_upload": g % 3 == 0}}})).await;
        let gid = r["id"].as_str().expect("group id").to_owned();
        post(&c, format!("{u}/api/v1/groups/id/{gid}/users/add"), Some(&admin), json!({"user_ids": [user_id]})).await;
        groups.push(gid);
    }
    for m in 0..MODELS {
        post(&c, format!("{u}/api/v1/models/create"), Some(&admin), json!({"id": format!("bench-model-{m}"), "name": format!("Bench model {m}"),
            "base_model_id": "fake-gpt", "meta": {"description": "bench", "tags": [{"name": format!("t{}", m % 7)}]}, "params": {},
            "access_grants": [{"principal_type": "group", "principal_id": groups[m % GROUPS], "permission": "read"}]})).await;
    }
    for i in 0..CHATS {
        post(&c, format!("{u}/api/v1/chats/new"), Some(&user_token), json!({"chat": {"title": format!("Chat {i}"), "models": ["bench-model-0"],
            "messages": [], "history": {"messages": {}, "currentId": null}, "tags": [], "timestamp": 1_700_000_000_000i64 + i as i64}})).await;
    }
    Seeded { _upstream: upstream, server, user_token }
}

fn hot_paths(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let seeded = rt.block_on(seed());
    let ctx = seeded.server.context();
    let token = seeded.user_token.clone();
    let creds = Credentials { token: Some(&token), trusted_email: None, path: "/api/models" };
    let user: SessionUser = rt.block_on(session::authenticate(&ctx, creds)).expect("the user authenticates");

    let mut g = c.benchmark_group("auth");
    g.bench_function("decode_token (HS256 check, no database)", |b| {
        b.iter(|| black_box(session::token::decode_token(TEST_SECRET, black_box(&token), session::now())))
    });
    g.bench_function("authenticate (token, user + groups statement)", |b| {
        b.to_async(&rt).iter(|| async { black_box(session::authenticate(&ctx, creds).await.expect("auth")) })
    });
    g.finish();

    let mut g = c.benchmark_group("permissions");
    let groups: Vec<Value> = user.group_permissions.clone().unwrap_or_default();
    assert_eq!(groups.len(), GROUPS, "the user's groups came with the session");
    g.bench_function("merge defaults with 50 groups", |b| b.iter(|| black_box(permissions::from_groups(&ctx, black_box(&groups)))));
    let defaults: Map<String, Value> = ctx.settings().default_permissions.clone();
    g.bench_function("combine one group into the defaults", |b| {
        let one = groups[0].as_object().cloned().unwrap_or_default();
        b.iter_batched(|| defaults.clone(), |mut p| { permissions::combine(&mut p, &one); p }, BatchSize::SmallInput)
    });
    g.finish();

    let mut g = c.benchmark_group("sidebar");
    let page = rt.block_on(server::app::chats::list(&ctx, &user, Some(1), false, false, "updated_at", "desc")).expect("page");
    assert_eq!(page.len(), 60, "a full first page");
    g.bench_function("serialise a 60-chat page", |b| b.iter(|| black_box(serde_json::to_vec(black_box(&page)).unwrap())));
    g.bench_function("first page (query + rows)", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(server::app::chats::list(&ctx, &user, Some(1), false, false, "updated_at", "desc").await.expect("page"))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("models");
    let list = rt.block_on(server::app::models::list(&ctx, &user, false)).expect("model list");
    let n = list["data"].as_array().map(Vec::len).unwrap_or(0);
    // The 200 presets, each through one of the user's groups; the upstream's own models have no
    // workspace entry, so only admins see them.
    assert_eq!(n, MODELS, "the user reads every preset through one of their groups");
    g.bench_function("list for a regular user (200 models, 50 groups)", |b| {
        b.to_async(&rt).iter(|| async { black_box(server::app::models::list(&ctx, &user, false).await.expect("list")) })
    });
    g.finish();

    // One upstream SSE chunk to the web UI's event: parse, append to the answer, the `events` payload
    // as JSON (what socket.io sends); at the start of an answer and 1,000 chunks into it (the text
    // grows in place, so the later chunk costs the same).
    let mut g = c.benchmark_group("stream");
    use server::app::completions::webui::{relay_line, Answering, Step};
    const CHUNK: &str = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"fake-gpt","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}]}"#;
    let relay = |st: &mut Answering| {
        let steps = relay_line(st, black_box(CHUNK));
        let Some(Step::Emit(e)) = steps.first() else { panic!("an event") };
        black_box(serde_json::to_vec(e).unwrap())
    };
    g.bench_function("relay one chunk (first of an answer)", |b| {
        b.iter_batched(Answering::default, |mut st| relay(&mut st), BatchSize::SmallInput)
    });
    g.bench_function("relay one chunk (after 1,000)", |b| {
        b.iter_batched(
            || {
                let mut st = Answering::default();
                for _ in 0..1000 {
                    relay_line(&mut st, CHUNK);
                }
                st
            },
            |mut st| relay(&mut st),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("signin");
    g.sample_size(10);
    let hash = rt.block_on(session::password::hash_password(session::password::HashAlgorithm::Bcrypt, PASSWORD.into())).expect("hash");
    g.bench_function("verify_password (bcrypt, cost 12)", |b| {
        b.to_async(&rt).iter(|| async { assert!(session::password::verify_password(PASSWORD.into(), hash.clone()).await) })
    });
    g.finish();
    drop(seeded);
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);

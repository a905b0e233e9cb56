//! The route-auth matrix: every operation of the server's live API description, called
//! anonymously, with a bad token, as `pending`, `user` and `admin` (and as another user where a
//! resource is owned), against the class `server/tests/route_classes.toml` gives it. A route
//! added without a class, or answering differently from its class, fails this test.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::common::*;

/// What an unfilled path parameter gets.
const PLACEHOLDER: &str = "00000000-0000-4000-8000-000000000000";
/// The matrix server's `SCIM_TOKEN`.
const SCIM_TOKEN: &str = "route-auth-matrix-scim-token";
/// `ERROR_MESSAGES.ACCESS_PROHIBITED`.
const ACCESS_PROHIBITED: &str =
    "You do not have permission to access this resource. Please contact your administrator for assistance.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Public,
    Pending,
    User,
    Admin,
    Owner,
    /// An `owner` route the reference opens to the owner alone (admins included in the refusal:
    /// `get_chat_by_id_and_user_id`): the admin, like another user, gets 401, 403 or 404.
    OwnerOnly,
    /// SCIM provisioning: only the `SCIM_TOKEN` bearer, no session of any role.
    Scim,
    /// A login step authorized by its one-time challenge token (body or `mfa_challenge`
    /// cookie), never by a session: every caller gets the anonymous caller's answer.
    Challenge,
    /// A `user` route whose provider answers for itself: as `user`, but the user's and the
    /// admin's answer may be a 401 of the route's own (`/openai/audio/speech` without an
    /// `api.openai.com` connection: `OpenAI API was not found`), never a session refusal.
    UserProvider,
}

impl Class {
    fn parse(s: &str) -> Option<Class> {
        Some(match s {
            "public" => Class::Public,
            "pending" => Class::Pending,
            "user" => Class::User,
            "admin" => Class::Admin,
            "owner" => Class::Owner,
            "owner-only" => Class::OwnerOnly,
            "scim" => Class::Scim,
            "challenge" => Class::Challenge,
            "user-provider" => Class::UserProvider,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
struct Entry {
    class: Class,
    params: BTreeMap<String, String>,
}

/// A resource the matrix creates before calling routes that name it (`{name}` in `params`).
#[derive(Debug, Clone)]
struct Resource {
    method: String,
    path: String,
    body: Value,
    /// JSON pointer to the id in the creation answer.
    id: String,
    /// Created by the admin (`as = "admin"`) rather than by user A, the owner.
    as_admin: bool,
}

struct Table {
    /// Per operation: one entry, or several when its path dispatches on a parameter's value.
    routes: BTreeMap<String, Vec<Entry>>,
    resources: BTreeMap<String, Resource>,
}

/// `route_classes.toml`, parsed; panics on a malformed entry.
fn table() -> Table {
    let path = repo_root().join("server/tests/route_classes.toml");
    let text = std::fs::read_to_string(&path).expect("read route_classes.toml");
    let mut doc: toml::Table = toml::from_str(&text).expect("route_classes.toml is TOML");
    let mut resources = BTreeMap::new();
    if let Some(toml::Value::Table(rs)) = doc.remove("resources") {
        for (name, r) in rs {
            let t = r.as_table().unwrap_or_else(|| panic!("resources.{name}: a table"));
            let s = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or_else(|| panic!("resources.{name}.{k}")).to_string();
            let body = t.get("body").map(|b| serde_json::to_value(b).expect("body as JSON")).unwrap_or(json!({}));
            let as_admin = match t.get("as").and_then(|v| v.as_str()) {
                None | Some("owner") => false,
                Some("admin") => true,
                Some(other) => panic!("resources.{name}.as = {other:?} (owner or admin)"),
            };
            let r = Resource { method: s("method"), path: s("path"), body, id: s("id"), as_admin };
            resources.insert(name, r);
        }
    }
    let mut routes = BTreeMap::new();
    for (key, v) in doc {
        let variants = match v {
            toml::Value::Array(a) => a,
            other => vec![other],
        };
        assert!(!variants.is_empty(), "{key}: an empty list");
        let entries: Vec<Entry> = variants.into_iter().map(|v| entry(&key, v)).collect();
        for e in &entries {
            if matches!(e.class, Class::Owner | Class::OwnerOnly) {
                let owned = e.params.values().any(|v| resources.iter().any(|(n, r)| !r.as_admin && v.contains(&format!("{{{n}}}"))));
                assert!(owned, "{key}: an owner route needs a parameter naming a resource user A creates");
            }
        }
        routes.insert(key, entries);
    }
    Table { routes, resources }
}

fn entry(key: &str, v: toml::Value) -> Entry {
    match v {
        toml::Value::String(c) => {
            Entry { class: Class::parse(&c).unwrap_or_else(|| panic!("{key}: unknown class {c:?}")), params: BTreeMap::new() }
        }
        toml::Value::Table(t) => {
            let c = t.get("class").and_then(|c| c.as_str()).unwrap_or_else(|| panic!("{key}: no class"));
            let class = Class::parse(c).unwrap_or_else(|| panic!("{key}: unknown class {c:?}"));
            let params = t
                .get("params")
                .and_then(|p| p.as_table())
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.as_str().expect("param values are strings").to_string())).collect())
                .unwrap_or_default();
            Entry { class, params }
        }
        other => panic!("{key}: expected a class or a table, got {other}"),
    }
}

/// Every published operation the server routes (all its API traits): the table's key
/// `"METHOD /path"` (trailing slash dropped, as the documents spell paths) and the path as
/// declared (the one requests must use: `/api/v1/users/` is not `/api/v1/users`).
fn operations() -> Vec<(String, String)> {
    let mut ops = vec![];
    for d in server::http::router::descriptions() {
        for (_, _, e) in d.into_router().endpoints(None) {
            if e.visible {
                let key = if e.path == "/" { e.path.clone() } else { e.path.trim_end_matches('/').to_string() };
                ops.push((format!("{} {key}", e.method), e.path.clone()));
            }
        }
    }
    ops.sort();
    ops
}

#[derive(Debug, Clone)]
struct Account {
    id: String,
    token: String,
}

struct Accounts {
    admin: Account,
    pending: Account,
    user_a: Account,
    user_b: Account,
}

async fn signup(base: &str, name: &str) -> Account {
    let body = json!({"name": name, "email": format!("{name}@example.com"), "password": "matrix-password"});
    let r = reqwest::Client::new().post(format!("{base}/api/v1/auths/signup")).json(&body).send().await.expect("signup");
    assert_eq!(r.status().as_u16(), 200, "sign-up of {name}");
    let v: Value = r.json().await.expect("signup JSON");
    Account { id: v["id"].as_str().expect("id").into(), token: v["token"].as_str().expect("token").into() }
}

/// The first account (admin), then with sign-up reopened a pending one (`DEFAULT_USER_ROLE`)
/// and two that the database then makes `user`s.
async fn accounts(s: &TestServer) -> Accounts {
    let admin = signup(&s.url, "admin").await;
    let db = s.db.client().await;
    db.execute("UPDATE config SET value = 'true'::json WHERE key = 'ui.enable_signup'", &[]).await.expect("reopen sign-up");
    s.reload_settings().await;
    let pending = signup(&s.url, "pending").await;
    let user_a = signup(&s.url, "usera").await;
    let user_b = signup(&s.url, "userb").await;
    db.execute(r#"UPDATE "user" SET role = 'user' WHERE id = $1 OR id = $2"#, &[&user_a.id, &user_b.id])
        .await
        .expect("promote the users");
    let role = |id: String| {
        let db = &db;
        async move { db.query_one(r#"SELECT role FROM "user" WHERE id = $1"#, &[&id]).await.unwrap().get::<_, String>(0) }
    };
    assert_eq!(role(admin.id.clone()).await, "admin");
    assert_eq!(role(pending.id.clone()).await, "pending");
    Accounts { admin, pending, user_a, user_b }
}

struct Answer {
    status: u16,
    detail: Value,
}

async fn call(base: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut rb = client.request(method.parse().expect("method"), format!("{base}{path}"));
    if let Some(t) = token {
        rb = rb.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        rb = rb.json(b);
    }
    let r = rb.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let detail = serde_json::from_str::<Value>(&text).ok().and_then(|v| v.get("detail").cloned()).unwrap_or(Value::Null);
    Answer { status, detail }
}

/// The ids `params` values may name: `{self}` (the caller), `{owner}` (user A), `{other}`
/// (user B), `{admin}`, and `{<resource>}` for each resource created for the entry.
struct Ids<'a> {
    owner: &'a Account,
    other: &'a Account,
    admin: &'a Account,
    resources: BTreeMap<String, String>,
}

/// `path` with its `{params}` filled for `caller`.
fn fill(path: &str, entry: &Entry, caller: &Account, ids: &Ids) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').expect("closing brace") + i;
        let name = &rest[i + 1..j];
        let value = entry.params.get(name).cloned().unwrap_or_else(|| PLACEHOLDER.to_string());
        let mut value = value
            .replace("{self}", &caller.id)
            .replace("{owner}", &ids.owner.id)
            .replace("{other}", &ids.other.id)
            .replace("{admin}", &ids.admin.id);
        for (n, id) in &ids.resources {
            value = value.replace(&format!("{{{n}}}"), id);
        }
        out.push_str(&value);
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

fn refused(a: &Answer) -> bool {
    a.status == 401 || a.status == 403
}

/// A refusal of the session itself (not a route's own 401).
fn session_refused(a: &Answer) -> bool {
    a.status == 403 || (a.status == 401 && (a.detail == json!(ACCESS_PROHIBITED) || a.detail == json!("Not authenticated")))
}

#[tokio::test]
async fn every_route_answers_as_its_class() {
    let Table { routes: table, resources } = table();
    let declared = operations();
    let mut ops: Vec<String> = declared.iter().map(|(k, _)| k.clone()).collect();
    let declared: BTreeMap<String, String> = declared.into_iter().collect();
    // Sign-out last (it ends nothing without Redis, but keep the sessions intact regardless).
    ops.sort_by_key(|o| o.contains("signout"));

    let unclassified: Vec<&String> = ops.iter().filter(|o| !table.contains_key(*o)).collect();
    let stale: Vec<&String> = table.keys().filter(|k| !ops.contains(k)).collect();
    assert!(
        unclassified.is_empty() && stale.is_empty(),
        "server/tests/route_classes.toml is out of date.\nOperations without a class (add them):\n  {}\nEntries for operations that do not exist (remove them):\n  {}",
        if unclassified.is_empty() { "(none)".to_string() } else { unclassified.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ") },
        if stale.is_empty() { "(none)".to_string() } else { stale.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ") },
    );

    let s = TestServer::start_with(&[
        ("DEFAULT_USER_ROLE", "pending"),
        ("ENABLE_API_KEYS", "true"),
        ("USER_PERMISSIONS_FEATURES_API_KEYS", "true"),
        // Exports are open to users with the permission (`user` class).
        ("USER_PERMISSIONS_WORKSPACE_TOOLS_EXPORT", "true"),
        // User A creates the prompts of the owner checks.
        ("USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS", "true"),
        // User A creates the knowledge bases of the owner checks.
        ("USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS", "true"),
        ("ENABLE_SCIM", "true"),
        ("SCIM_TOKEN", SCIM_TOKEN),
        // The LLM connections point at a closed local port (no call leaves the machine), and
        // the deprecated /openai/{path} passthrough is on (off, it answers everyone 403).
        ("OPENAI_API_BASE_URL", "http://127.0.0.1:9"),
        ("OLLAMA_BASE_URL", "http://127.0.0.1:9"),
        ("ENABLE_OPENAI_API_PASSTHROUGH", "true"),
    ])
    .await;
    let acc = accounts(&s).await;
    let anon = Account { id: PLACEHOLDER.into(), token: String::new() };
    // Rows no route of ours creates (the reference writes them: functions are code it runs), for
    // the routes that answer an unknown id as they answer a refusal (`params = { id = "..." }`).
    s.db.client()
        .await
        .execute(
            "INSERT INTO function (id, user_id, name, type, content, meta, valves, is_active, is_global, updated_at, created_at)
             VALUES ('route_auth_function', $1, 'F', 'filter', '', '{}', '{}', false, false, 1, 1)",
            &[&acc.admin.id],
        )
        .await
        .expect("insert a function");

    let mut failures: Vec<String> = vec![];
    let mut calls = 0usize;
    let mut made = 0u32;
    for (op, entry) in ops.iter().flat_map(|op| table[op].iter().map(move |e| (op, e))) {
        let method = op.split_once(' ').expect("METHOD /path").0;
        let path = declared[op].as_str();
        // Fresh resources for this entry.
        let mut created = BTreeMap::new();
        let mut missing = false;
        for (name, r) in &resources {
            if !entry.params.values().any(|v| v.contains(&format!("{{{name}}}"))) {
                continue;
            }
            let creator = if r.as_admin { &acc.admin } else { &acc.user_a };
            // `{n}` in a body: a number of its own per resource made (names that must be unique).
            made += 1;
            let body: Value = serde_json::from_str(&r.body.to_string().replace("{n}", &made.to_string())).expect("body");
            let resp = reqwest::Client::new()
                .request(r.method.parse().unwrap(), format!("{}{}", s.url, r.path))
                .bearer_auth(&creator.token)
                .json(&body)
                .send()
                .await
                .expect("create");
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            match v.pointer(&r.id).and_then(|x| x.as_str()) {
                Some(id) => {
                    created.insert(name.clone(), id.to_string());
                }
                None => {
                    failures.push(format!("{op}: could not create resource {name} with {} {}: {v}", r.method, r.path));
                    missing = true;
                }
            }
        }
        if missing {
            continue;
        }
        let ids = Ids { owner: &acc.user_a, other: &acc.user_b, admin: &acc.admin, resources: created };
        let url_for = |caller: &Account| fill(path, entry, caller, &ids);
        let mut check = |who: &str, a: &Answer, ok: bool, want: &str| {
            calls += 1;
            if !ok {
                let shown = fill(path, entry, &acc.user_a, &ids);
                failures.push(format!("{op} [{shown}] ({:?}) as {who}: got {} {}, expected {want}", entry.class, a.status, a.detail));
            }
        };

        // Anonymous and with a token that is not one.
        let a = call(&s.url, method, &url_for(&anon), None, None).await;
        if entry.class == Class::Challenge {
            check("anonymous", &a, a.status < 500, "not 5xx");
            for (who, account) in [("pending", &acc.pending), ("user", &acc.user_a), ("admin", &acc.admin)] {
                let b = call(&s.url, method, &url_for(account), Some(&account.token), None).await;
                check(who, &b, (b.status, &b.detail) == (a.status, &a.detail), "the anonymous answer");
            }
            let b = call(&s.url, method, &url_for(&anon), Some("not-a-token"), None).await;
            check("bad token", &b, (b.status, &b.detail) == (a.status, &a.detail), "the anonymous answer");
            continue;
        }
        if entry.class == Class::Public {
            check("anonymous", &a, !refused(&a), "not 401/403");
        } else if entry.class == Class::Scim {
            check("anonymous", &a, a.status == 401, "401");
        } else {
            check("anonymous", &a, a.status == 401 && a.detail == json!("Not authenticated"), "401 Not authenticated");
        }
        let a = call(&s.url, method, &url_for(&anon), Some("not-a-token"), None).await;
        if entry.class == Class::Public {
            check("bad token", &a, a.status != 403 && a.status < 500, "not 403/5xx");
        } else {
            check("bad token", &a, a.status == 401, "401");
        }

        // Pending.
        let a = call(&s.url, method, &url_for(&acc.pending), Some(&acc.pending.token), None).await;
        match entry.class {
            Class::Public | Class::Pending => check("pending", &a, !refused(&a), "not 401/403"),
            Class::User | Class::UserProvider | Class::Admin | Class::Owner | Class::OwnerOnly => {
                check("pending", &a, a.status == 401 && a.detail == json!(ACCESS_PROHIBITED), "401 ACCESS_PROHIBITED")
            }
            Class::Scim => check("pending", &a, a.status == 401, "401"),
            Class::Challenge => unreachable!("checked above"),
        }

        // User (the owner, for owner routes) and another user.
        let a = call(&s.url, method, &url_for(&acc.user_a), Some(&acc.user_a.token), None).await;
        match entry.class {
            Class::Admin => check("user", &a, a.status == 401 && a.detail == json!(ACCESS_PROHIBITED), "401 ACCESS_PROHIBITED"),
            Class::Owner | Class::OwnerOnly => check("owner", &a, !refused(&a) && a.status != 404, "not 401/403/404"),
            Class::Scim => check("user", &a, a.status == 401, "401"),
            Class::UserProvider => check("user", &a, !session_refused(&a), "not a session refusal"),
            _ => check("user", &a, !refused(&a), "not 401/403"),
        }
        if matches!(entry.class, Class::Owner | Class::OwnerOnly) {
            let a = call(&s.url, method, &url_for(&acc.user_b), Some(&acc.user_b.token), None).await;
            check("another user", &a, refused(&a) || a.status == 404, "401, 403 or 404");
        }

        // Admin; and the SCIM token, which only the SCIM routes take.
        let a = call(&s.url, method, &url_for(&acc.admin), Some(&acc.admin.token), None).await;
        if entry.class == Class::Scim {
            check("admin", &a, a.status == 401, "401 (a session is not the SCIM token)");
            let a = call(&s.url, method, &url_for(&anon), Some(SCIM_TOKEN), None).await;
            check("SCIM token", &a, !refused(&a), "not 401/403");
        } else if entry.class == Class::OwnerOnly {
            check("admin", &a, refused(&a) || a.status == 404, "401, 403 or 404 (not the admin's)");
        } else if entry.class == Class::UserProvider {
            check("admin", &a, !session_refused(&a), "not a session refusal");
        } else {
            check("admin", &a, !refused(&a), "not 401/403");
        }
    }
    assert!(failures.is_empty(), "{} of {calls} checks failed:\n  {}", failures.len(), failures.join("\n  "));
    eprintln!("route-auth matrix: {} operations, {calls} checks", ops.len());
}

#[test]
fn the_table_names_only_known_classes_and_live_operations() {
    // Parsing panics on an unknown class; the live-operation check is in the test above.
    let t = table();
    assert!(t.routes.len() >= 24, "the table lost entries: {}", t.routes.len());
}

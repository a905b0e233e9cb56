//! `/api/v1/scim/v2`: the SCIM token gate, user and group provisioning, the two error shapes,
//! and bodies compared with the Python reference.

use serde_json::json;

use crate::auths::{call, Resp};
use crate::common::*;
use crate::users::{mask_activity, req, setup};

const TOKEN: &str = "scim-test-token";
const ENV: &[(&str, &str)] = &[("ENABLE_SCIM", "true"), ("SCIM_TOKEN", TOKEN), ("SCIM_AUTH_PROVIDER", "oidc")];

/// A SCIM call with the token (or `auth` as the whole Authorization header) and a fixed Host.
async fn scim(base: &str, method: &str, path: &str, auth: Option<&str>, body: Option<&str>) -> Resp {
    let header = auth.map(str::to_string).unwrap_or_else(|| format!("Bearer {TOKEN}"));
    let mut headers = vec![("host", "scim.example")];
    if !header.is_empty() {
        headers.push(("authorization", header.as_str()));
    }
    call(method, &format!("{base}/api/v1/scim/v2{path}"), &headers, body).await
}

#[tokio::test]
async fn scim_is_absent_unless_enabled() {
    let s = TestServer::start().await;
    for path in ["/ServiceProviderConfig", "/Users", "/Groups/x"] {
        let r = scim(&s.url, "GET", path, None, None).await;
        assert_eq!((r.status, r.body.as_str()), (404, r#"{"detail":"Not Found"}"#), "{path}");
    }
}

#[tokio::test]
async fn scim_token_gate() {
    let s = TestServer::start_with(ENV).await;
    let a = setup(&s.url).await;
    // Discovery needs no token.
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        let r = scim(&s.url, "GET", path, Some(""), None).await;
        assert_eq!(r.status, 200, "{path}");
    }
    let r = scim(&s.url, "GET", "/ResourceTypes", Some(""), None).await;
    assert_eq!(r.json()[0]["meta"]["location"], json!("http://scim.example/api/v1/scim/v2/ResourceTypes/User"));
    let routes = [
        ("GET", "/Users".to_string(), None),
        ("POST", "/Users".into(), Some("{}")),
        ("GET", "/Users/x".into(), None),
        ("PUT", "/Users/x".into(), Some("{}")),
        ("PATCH", "/Users/x".into(), Some("{}")),
        ("DELETE", "/Users/x".into(), None),
        ("GET", "/Groups".into(), None),
        ("POST", "/Groups".into(), Some("{}")),
        ("GET", "/Groups/x".into(), None),
        ("PUT", "/Groups/x".into(), Some("{}")),
        ("PATCH", "/Groups/x".into(), Some("{}")),
        ("DELETE", "/Groups/x".into(), None),
    ];
    let admin = format!("Bearer {}", a.admin);
    for (method, path, body) in &routes {
        let r = scim(&s.url, method, path, Some(""), *body).await;
        assert_eq!((r.status, r.body.as_str()), (401, r#"{"detail":"Authorization header required"}"#), "{method} {path}");
        assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
        let r = scim(&s.url, method, path, Some("Bearer"), *body).await;
        assert_eq!(r.json()["detail"], json!("Invalid authorization format. Expected: Bearer <token>"));
        let r = scim(&s.url, method, path, Some("Basic abc"), *body).await;
        assert_eq!(r.json()["detail"], json!("Invalid authentication scheme"));
        // A session token, even an admin's, is not the SCIM token.
        let r = scim(&s.url, method, path, Some(&admin), *body).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (401, json!("Invalid SCIM token")), "{method} {path}");
    }
}

#[tokio::test]
async fn scim_provisioning() {
    let s = TestServer::start_with(ENV).await;
    let a = setup(&s.url).await;
    // Accounts made by sign-up are invisible to SCIM.
    let r = scim(&s.url, "GET", "/Users", None, None).await;
    assert_eq!(r.json()["totalResults"], json!(0));
    let r = scim(&s.url, "GET", &format!("/Users/{}", a.user_id), None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["scimType"], json!("invalidValue"));
    let r = scim(&s.url, "PUT", &format!("/Users/{}", a.user_id), None, Some("{}")).await;
    assert_eq!((r.status, r.body.clone()), (404, format!(r#"{{"detail":"User {} not found"}}"#, a.user_id)));

    let body = json!({"userName": "Zed@Example.com", "externalId": "ext-1", "displayName": "Zed Z", "emails": [{"value": "Zed@Example.com"}]});
    let r = scim(&s.url, "POST", "/Users", None, Some(&body.to_string())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let zed = r.json();
    assert_eq!(zed["userName"], json!("zed@example.com"));
    assert_eq!(zed["externalId"], json!("ext-1"));
    assert_eq!(zed["name"]["givenName"], json!("Zed"));
    let zid = zed["id"].as_str().unwrap().to_string();
    let r = scim(&s.url, "POST", "/Users", None, Some(&body.to_string())).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (409, json!("User with externalId ext-1 already exists")));
    let r = scim(&s.url, "POST", "/Users", None, Some(r#"{"userName":"x"}"#)).await;
    assert_eq!(r.status, 422);
    let r = scim(&s.url, "GET", "/Users?filter=userName%20eq%20%22zed@example.com%22", None, None).await;
    assert_eq!(r.json()["totalResults"], json!(1));
    let r = scim(&s.url, "GET", "/Users?filter=externalId%20eq%20%22ext-1%22", None, None).await;
    assert_eq!(r.json()["Resources"][0]["id"], json!(zid));
    let r = scim(&s.url, "GET", "/Users?startIndex=x", None, None).await;
    assert_eq!(r.status, 422);
    // A filter without a quoted value: the reference's unhandled IndexError (500); ours the client's 400.
    for (path, attribute) in
        [("/Users?filter=userName%20eq%20zed", "userName"), ("/Users?filter=externalId%20eq%20x", "externalId"), ("/Groups?filter=displayName%20eq%20x", "displayName")]
    {
        let r = scim(&s.url, "GET", path, None, None).await;
        let want = format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"Invalid filter: the {attribute} value must be quoted","scimType":"invalidFilter"}}"#
        );
        assert_eq!((r.status, r.body), (400, want), "{path}");
    }

    // Patch: deactivate, rename; errors in the SCIM shape.
    let patch = r#"{"Operations":[{"op":"replace","path":"active","value":false},{"op":"replace","value":{"displayName":"Zed Two"}}]}"#;
    let r = scim(&s.url, "PATCH", &format!("/Users/{zid}"), None, Some(patch)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["active"].clone(), r.json()["displayName"].clone()), (json!(false), json!("Zed Two")));
    let r = scim(&s.url, "PATCH", &format!("/Users/{zid}"), None, Some(r#"{"Operations":[{"op":"move"}]}"#)).await;
    assert_eq!(r.body, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"Unsupported PATCH operation: move","scimType":"invalidSyntax"}"#);
    let r = scim(&s.url, "PATCH", &format!("/Users/{zid}"), None, Some(r#"{"Operations":[{"op":"remove","path":"userName"}]}"#)).await;
    assert_eq!(r.json()["scimType"], json!("mutability"));
    // The pending account cannot use its session; PUT reactivates it.
    let r = scim(&s.url, "PUT", &format!("/Users/{zid}"), None, Some(r#"{"active":true,"displayName":"Zed Three"}"#)).await;
    assert_eq!((r.json()["active"].clone(), r.json()["displayName"].clone()), (json!(true), json!("Zed Three")));

    // Groups with members.
    let body = json!({"displayName": "Team", "members": [{"value": zid}]}).to_string();
    let r = scim(&s.url, "POST", "/Groups", None, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["members"][0]["value"], json!(zid));
    let r = scim(&s.url, "POST", "/Groups", None, Some(r#"{"displayName":"Bad","members":[{"value":"ghost"}]}"#)).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (400, json!("One or more member users were not found.")));
    let r = scim(&s.url, "GET", &format!("/Users/{zid}"), None, None).await;
    assert_eq!(r.json()["groups"][0]["value"], json!(gid));
    let patch = json!({"Operations": [
        {"op": "add", "path": "members", "value": [{"value": a.user_id}]},
        {"op": "replace", "path": "displayName", "value": "Team 2"},
        {"op": "remove", "path": format!("members[value eq \"{zid}\"]")},
    ]})
    .to_string();
    let r = scim(&s.url, "PATCH", &format!("/Groups/{gid}"), None, Some(&patch)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["displayName"], json!("Team 2"));
    assert_eq!(r.json()["members"], json!([{"value": a.user_id, "$ref": format!("http://scim.example/api/v1/scim/v2/Users/{}", a.user_id), "type": "User", "display": "Bob"}]));
    let r = scim(&s.url, "GET", "/Groups?filter=displayName%20eq%20%22Team%202%22", None, None).await;
    assert_eq!(r.json()["totalResults"], json!(1));
    let r = scim(&s.url, "PUT", &format!("/Groups/{gid}"), None, Some(r#"{"members":[]}"#)).await;
    assert_eq!(r.json()["members"], json!([]));
    let r = scim(&s.url, "DELETE", &format!("/Groups/{gid}"), None, None).await;
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    // FastAPI keeps the JSON content type on a 204.
    assert_eq!(r.headers["content-type"], "application/json");
    let r = scim(&s.url, "GET", &format!("/Groups/{gid}"), None, None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!(format!("Group {gid} not found"))));

    // Delete: a provisioned user goes; an admin never does.
    let r = scim(&s.url, "DELETE", &format!("/Users/{zid}"), None, None).await;
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    s.db.client()
        .await
        .execute(r#"UPDATE "user" SET scim = '{"oidc":{"external_id":"adm"}}' WHERE id = $1"#, &[&a.admin_id])
        .await
        .unwrap();
    let r = scim(&s.url, "DELETE", &format!("/Users/{}", a.admin_id), None, None).await;
    assert_eq!(r.status, 403);
    let r = req("GET", &s.url, "/api/v1/auths/", Some(&a.admin), None).await;
    assert_eq!(r.status, 200);
}

/// Security round 2: what answered 500 for the client's input (or the operator's setting) now
/// answers what it is, before anything is written.
#[tokio::test]
async fn scim_client_mistakes_are_not_500() {
    let s = TestServer::start_with(ENV).await;
    // Groups are created on behalf of the first admin.
    setup(&s.url).await;
    let mk = |name: &str, ext: &str| {
        let email = format!("{name}@example.com");
        json!({"userName": email, "externalId": ext, "displayName": name, "emails": [{"value": email}]}).to_string()
    };
    let r = scim(&s.url, "POST", "/Users", None, Some(&mk("amy", "ext-amy"))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = scim(&s.url, "POST", "/Users", None, Some(&mk("ben", "ext-ben"))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ben = r.json()["id"].as_str().unwrap().to_string();

    // userName (the email) changed to another account's, in any case: 409, as create answers.
    let taken = r#"{"detail":"User with email AMY@example.com already exists"}"#;
    let r = scim(&s.url, "PUT", &format!("/Users/{ben}"), None, Some(r#"{"userName":"AMY@example.com"}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (409, taken));
    let r = scim(&s.url, "PUT", &format!("/Users/{ben}"), None, Some(r#"{"emails":[{"value":"AMY@example.com"}]}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (409, taken));
    for path in ["userName", "emails[primary eq true].value"] {
        let patch = json!({"Operations": [{"op": "replace", "path": path, "value": "AMY@example.com"}]}).to_string();
        let r = scim(&s.url, "PATCH", &format!("/Users/{ben}"), None, Some(&patch)).await;
        assert_eq!((r.status, r.body.as_str()), (409, taken), "{path}");
    }
    let r = scim(&s.url, "GET", &format!("/Users/{ben}"), None, None).await;
    assert_eq!(r.json()["userName"], json!("ben@example.com"));
    // The connection the refused write used still works.
    let r = scim(&s.url, "PUT", &format!("/Users/{ben}"), None, Some(r#"{"userName":"ben2@example.com"}"#)).await;
    assert_eq!((r.status, r.json()["userName"].clone()), (200, json!("ben2@example.com")));

    // A members path without a quoted value: 400, and the operations before it are not applied.
    let r = scim(&s.url, "POST", "/Groups", None, Some(&json!({"displayName": "T", "members": [{"value": ben}]}).to_string())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    let patch = r#"{"Operations":[{"op":"replace","path":"members","value":[]},{"op":"remove","path":"members[value eq x]"}]}"#;
    let r = scim(&s.url, "PATCH", &format!("/Groups/{gid}"), None, Some(patch)).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"Invalid path: the members[value eq ...] value must be quoted","scimType":"invalidPath"}"#)
    );
    let r = scim(&s.url, "GET", &format!("/Groups/{gid}"), None, None).await;
    assert_eq!(r.json()["members"][0]["value"], json!(ben));

    // Without SCIM_AUTH_PROVIDER: 501 with the reference's message, and no account half made.
    let s = TestServer::start_with(&[("ENABLE_SCIM", "true"), ("SCIM_TOKEN", TOKEN)]).await;
    let unset = r#"{"detail":"SCIM_AUTH_PROVIDER environment variable is required when SCIM is enabled"}"#;
    for body in [mk("cat", "ext-cat"), json!({"userName": "cat@example.com", "displayName": "cat", "emails": []}).to_string()] {
        let r = scim(&s.url, "POST", "/Users", None, Some(&body)).await;
        assert_eq!((r.status, r.body.as_str()), (501, unset), "{body}");
    }
    let n: i64 = s.db.client().await.query_one(r#"SELECT count(*) FROM "user" WHERE email = 'cat@example.com'"#, &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
    let r = scim(&s.url, "GET", "/Users?filter=externalId%20eq%20%22x%22", None, None).await;
    assert_eq!((r.status, r.body.as_str()), (501, unset));
    let r = scim(&s.url, "GET", "/Users", None, None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn scim_bodies_match_the_reference() {
    if !Reference::available() {
        return;
    }
    let db = TestDb::new().await;
    let reference = Reference::start_with(&db.url(), &[("SCIM_TOKEN", TOKEN), ("SCIM_AUTH_PROVIDER", "oidc")]);
    let a = setup(&reference.url).await;
    let s = TestServer::start_on(db, ENV).await.expect("start on the shared database");
    let body = json!({"userName": "zed@example.com", "externalId": "ext-1", "displayName": "Zed Z", "emails": [{"value": "zed@example.com"}]});
    let r = scim(&reference.url, "POST", "/Users", None, Some(&body.to_string())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let zid = r.json()["id"].as_str().unwrap().to_string();
    let r = scim(&reference.url, "POST", "/Groups", None, Some(&json!({"displayName": "Team", "members": [{"value": zid}]}).to_string())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gid = r.json()["id"].as_str().unwrap().to_string();
    let cases: Vec<(&str, String, Option<String>, Option<&str>)> = vec![
        ("GET", "/ServiceProviderConfig".into(), None, Some("")),
        ("GET", "/ResourceTypes".into(), None, Some("")),
        ("GET", "/Schemas".into(), None, Some("")),
        ("GET", "/Users".into(), None, Some("")),
        ("GET", "/Users".into(), None, Some("Bearer")),
        ("GET", "/Users".into(), None, Some("Basic x")),
        ("GET", "/Users".into(), None, Some("Bearer wrong")),
        ("GET", "/Users".into(), None, None),
        ("GET", "/Users?startIndex=x&count=y".into(), None, None),
        ("GET", "/Users?filter=externalId%20eq%20%22ext-1%22".into(), None, None),
        ("GET", format!("/Users/{zid}"), None, None),
        ("GET", format!("/Users/{}", a.user_id), None, None),
        ("PUT", format!("/Users/{}", a.user_id), Some("{}".into()), None),
        ("POST", "/Users".into(), Some(body.to_string()), None),
        ("POST", "/Users".into(), Some(r#"{"userName":"x"}"#.into()), None),
        ("PATCH", format!("/Users/{zid}"), Some(r#"{"Operations":[{"op":"move"}]}"#.into()), None),
        ("PATCH", format!("/Users/{zid}"), Some(r#"{"Operations":[{"op":"add","path":"nickName","value":"x"}]}"#.into()), None),
        ("PATCH", format!("/Users/{zid}"), Some(r#"{"Operations":[{"op":"replace","path":"active","value":"no"}]}"#.into()), None),
        ("GET", "/Groups".into(), None, None),
        ("GET", format!("/Groups/{gid}"), None, None),
        ("GET", "/Groups/nope".into(), None, None),
        ("POST", "/Groups".into(), Some(r#"{"displayName":"Bad","members":[{"value":"ghost"}]}"#.into()), None),
        ("POST", "/Groups".into(), Some(r#"{"displayName":"Bad","members":[{"value":"x","type":"Group"}]}"#.into()), None),
        ("PATCH", format!("/Groups/{gid}"), Some(r#"{"Operations":[{"op":"add","path":"members","value":"x"}]}"#.into()), None),
        ("DELETE", "/Groups/nope".into(), None, None),
        ("DELETE", format!("/Users/{}", a.user_id), None, None),
    ];
    for (method, path, body, auth) in &cases {
        let theirs = scim(&reference.url, method, path, *auth, body.as_deref()).await;
        let ours = scim(&s.url, method, path, *auth, body.as_deref()).await;
        assert_eq!((ours.status, mask_activity(&ours.body)), (theirs.status, mask_activity(&theirs.body)), "{method} {path}");
    }
    reference.stop();
}

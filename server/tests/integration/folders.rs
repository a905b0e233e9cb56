//! `/api/v1/folders`: the tree (create, rename, move, expand), validation, two users on one folder
//! through every route, sharing through access grants, a folder's chats (unread counts, pages at
//! their edges, marking read) and deletion with its chats, messages and subfolders.

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup, Accounts, ACCESS_PROHIBITED};

const NOT_FOUND: &str = "We could not find what you're looking for :/";

async fn create(base: &str, token: &str, body: Value) -> Value {
    let r = req("POST", base, "/api/v1/folders/", Some(token), Some(&body.to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn post(base: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = req("POST", base, path, Some(token), Some(&body.to_string())).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

async fn get(base: &str, path: &str, token: &str) -> (u16, Value) {
    let r = req("GET", base, path, Some(token), None).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

#[tokio::test]
async fn folder_tree_create_rename_move_expand_and_validation() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let work = create(&s.url, &a.user, json!({"name": "Work", "meta": {"icon": "💼", "x": 1}})).await;
    assert_eq!(work["user_id"], json!(a.user_id));
    assert_eq!((work["items"].clone(), work["data"].clone(), work["is_expanded"].clone()), (Value::Null, Value::Null, json!(false)));
    let wid = id(&work);
    let sub = create(&s.url, &a.user, json!({"name": "Sub", "parent_id": wid})).await;
    let sid = id(&sub);
    let other_root = create(&s.url, &a.user, json!({"name": "Home"})).await;
    let hid = id(&other_root);

    // The sidebar list: the meta reduced to its icon, unread counts.
    let (st, list) = get(&s.url, "/api/v1/folders/", &a.user).await;
    assert_eq!(st, 200);
    let keys: Vec<String> = list[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["id", "name", "meta", "parent_id", "is_expanded", "unread_count", "created_at", "updated_at"]);
    let work_entry = list.as_array().unwrap().iter().find(|f| f["id"] == json!(wid)).unwrap();
    assert_eq!(work_entry["meta"], json!({"icon": "💼"}));
    assert_eq!(list.as_array().unwrap().len(), 3);

    // Names are unique among siblings, case insensitively.
    let (st, v) = post(&s.url, "/api/v1/folders/", &a.user, json!({"name": "work"})).await;
    assert_eq!((st, v["detail"].clone()), (400, json!("[ERROR: Folder already exists]")));
    // ... but not across parents or users.
    create(&s.url, &a.user, json!({"name": "Work", "parent_id": wid})).await;
    create(&s.url, &a.other, json!({"name": "Work"})).await;

    // Validation as pydantic: a missing name, a wrong type, an unknown key.
    let (st, v) = post(&s.url, "/api/v1/folders/", &a.user, json!({"data": [], "x": 1})).await;
    assert_eq!(st, 422);
    let kinds: Vec<(Value, Value)> = v["detail"].as_array().unwrap().iter().map(|e| (e["type"].clone(), e["loc"].clone())).collect();
    assert_eq!(
        kinds,
        [
            (json!("missing"), json!(["body", "name"])),
            (json!("dict_type"), json!(["body", "data"])),
            (json!("extra_forbidden"), json!(["body", "x"])),
        ]
    );

    // Rename; a sibling's name is refused; data and meta are merged into the stored ones.
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{sid}/update"), &a.user, json!({"name": "Renamed", "data": {"k": 1}})).await;
    assert_eq!((st, v["name"].clone(), v["data"].clone()), (200, json!("Renamed"), json!({"k": 1})));
    let (_, v) = post(&s.url, &format!("/api/v1/folders/{sid}/update"), &a.user, json!({"data": {"j": 2}})).await;
    assert_eq!((v["name"].clone(), v["data"].clone()), (json!("Renamed"), json!({"k": 1, "j": 2})));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{hid}/update"), &a.user, json!({"name": "WORK"})).await;
    assert_eq!((st, v["detail"].clone()), (400, json!("[ERROR: Folder already exists]")));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{hid}/update"), &a.user, json!({"name": null})).await;
    assert_eq!((st, v["detail"].clone()), (400, json!("[ERROR: Error updating folder]")));

    // Moves: not into itself or below itself; under one of the caller's folders; to the root.
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{wid}/update/parent"), &a.user, json!({"parent_id": sid})).await;
    assert_eq!((st, v["detail"].clone()), (400, json!("[ERROR: Cannot move a folder into itself or one of its subfolders]")));
    // (Under itself, the sibling name check comes first: a "Work" is already inside "Work".)
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{wid}/update/parent"), &a.user, json!({"parent_id": wid})).await;
    assert_eq!((st, v["detail"].clone()), (400, json!("[ERROR: Folder already exists]")));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{hid}/update/parent"), &a.user, json!({"parent_id": sid})).await;
    assert_eq!((st, v["parent_id"].clone()), (200, json!(sid)));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{hid}/update/parent"), &a.user, json!({"parent_id": "no-such-folder"})).await;
    assert_eq!((st, v["detail"].clone()), (404, json!(NOT_FOUND)));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{hid}/update/parent"), &a.user, json!({})).await;
    assert_eq!((st, v["parent_id"].clone()), (200, Value::Null));

    // Expand state.
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{wid}/update/expanded"), &a.user, json!({"is_expanded": true})).await;
    assert_eq!((st, v["is_expanded"].clone()), (200, json!(true)));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{wid}/update/expanded"), &a.user, json!({"is_expanded": "maybe"})).await;
    assert_eq!((st, v["detail"][0]["type"].clone()), (422, json!("bool_parsing")));

    // One folder with its (no) grants.
    let (st, v) = get(&s.url, &format!("/api/v1/folders/{wid}"), &a.user).await;
    assert_eq!((st, v["access_grants"].clone(), v["write_access"].clone()), (200, json!([]), json!(true)));

    // A folder whose parent is gone comes back to the root when listed.
    let c = s.db.client().await;
    c.execute("UPDATE folder SET parent_id = 'gone' WHERE id = $1", &[&hid]).await.unwrap();
    let (_, list) = get(&s.url, "/api/v1/folders/", &a.user).await;
    let home = list.as_array().unwrap().iter().find(|f| f["id"] == json!(hid)).unwrap();
    assert_eq!(home["parent_id"], Value::Null);
    let stored: Option<String> = c.query_one("SELECT parent_id FROM folder WHERE id = $1", &[&hid]).await.unwrap().get(0);
    assert_eq!(stored, None);

    // Folders can be turned off for users (not for admins).
    c.execute(
        "INSERT INTO config (key, value, updated_at) VALUES ('user.permissions', $1, 0)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&json!({"features": {"folders": false}})],
    )
    .await
    .unwrap();
    drop(c);
    s.reload_settings().await;
    let (st, v) = get(&s.url, "/api/v1/folders/", &a.user).await;
    assert_eq!((st, v["detail"].clone()), (403, json!(ACCESS_PROHIBITED)));
    let (st, _) = get(&s.url, "/api/v1/folders/", &a.admin).await;
    assert_eq!(st, 200);
}

/// Every route on user A's folder, as user B: refused, and nothing changed.
#[tokio::test]
async fn another_user_reaches_none_of_your_folders() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let mine = create(&s.url, &a.user, json!({"name": "Mine", "data": {"k": 1}})).await;
    let fid = id(&mine);
    let theirs = create(&s.url, &a.other, json!({"name": "Theirs"})).await;
    let tid = id(&theirs);
    let before = get(&s.url, &format!("/api/v1/folders/{fid}"), &a.user).await.1;

    let cases: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/v1/folders/{fid}"), None, 404, NOT_FOUND),
        ("POST", format!("/api/v1/folders/{fid}/update"), Some(json!({"name": "pwned"})), 404, NOT_FOUND),
        ("POST", format!("/api/v1/folders/{fid}/update/parent"), Some(json!({"parent_id": tid})), 404, NOT_FOUND),
        ("POST", format!("/api/v1/folders/{fid}/access/update"), Some(json!({"access_grants": []})), 403, ACCESS_PROHIBITED),
        ("GET", format!("/api/v1/folders/{fid}/shared/chats"), None, 403, ACCESS_PROHIBITED),
        ("POST", format!("/api/v1/folders/{fid}/read"), None, 403, ACCESS_PROHIBITED),
        ("DELETE", format!("/api/v1/folders/{fid}"), None, 403, ACCESS_PROHIBITED),
        // B's folder under A's (the reference accepts this: see `app::folders`), and a subfolder in it.
        ("POST", format!("/api/v1/folders/{tid}/update/parent"), Some(json!({"parent_id": fid})), 404, NOT_FOUND),
        ("POST", "/api/v1/folders/".into(), Some(json!({"name": "inside", "parent_id": fid})), 403, ACCESS_PROHIBITED),
    ];
    for (method, path, body, status, detail) in &cases {
        let body = body.as_ref().map(Value::to_string);
        let r = req(method, &s.url, path, Some(&a.other), body.as_deref()).await;
        assert_eq!((r.status, r.json()["detail"].clone()), (*status, json!(detail)), "{method} {path}");
    }
    // Expanding answers null (as the reference) and changes nothing.
    let r = req("POST", &s.url, &format!("/api/v1/folders/{fid}/update/expanded"), Some(&a.other), Some(r#"{"is_expanded":true}"#)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "null"));
    // Nothing changed: A's folder, B's folder still at the root, no folder inside A's.
    assert_eq!(get(&s.url, &format!("/api/v1/folders/{fid}"), &a.user).await.1, before);
    assert_eq!(get(&s.url, &format!("/api/v1/folders/{tid}"), &a.other).await.1["parent_id"], Value::Null);
    let (_, list) = get(&s.url, "/api/v1/folders/", &a.user).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, shared) = get(&s.url, "/api/v1/folders/shared", &a.other).await;
    assert_eq!(shared, json!([]));

    // An admin reaches it (as the reference lets them).
    let (st, v) = get(&s.url, &format!("/api/v1/folders/{fid}"), &a.admin).await;
    assert_eq!((st, v["write_access"].clone()), (200, json!(true)));
}

#[tokio::test]
async fn sharing_through_access_grants() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    let f = create(&s.url, &a.user, json!({"name": "Team"})).await;
    let fid = id(&f);
    let child = create(&s.url, &a.user, json!({"name": "Child", "parent_id": fid})).await;
    let cid = id(&child);
    let read = json!({"access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "read"}]});

    // A user without `sharing.folders` (the default) cannot share; an empty list is fine.
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.user, read.clone()).await;
    assert_eq!((st, v["detail"].clone()), (403, json!("You do not have permission to share with the requested audience")));
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.user, json!({"access_grants": []})).await;
    assert_eq!((st, v["access_grants"].clone()), (200, json!([])));
    // Nobody shares a folder publicly, admins included; share_mode is 'continue' or null.
    let public = json!({"access_grants": [{"principal_type": "user", "principal_id": "*", "permission": "read"}]});
    let (st, _) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.admin, public).await;
    assert_eq!(st, 403);
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.admin, json!({"access_grants": [], "share_mode": "x"})).await;
    assert_eq!((st, v["detail"][0]["type"].clone()), (422, json!("literal_error")));

    // The admin shares it with B for reading, and sets share_mode.
    let mut body = read.clone();
    body["share_mode"] = json!("continue");
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.admin, body).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"], json!({"share_mode": "continue"}));
    let grants = v["access_grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!((grants[0]["resource_type"].clone(), grants[0]["principal_id"].clone()), (json!("folder"), json!(a.other_id)));

    // B reads the folder and its child (inherited), writes neither.
    let (st, v) = get(&s.url, &format!("/api/v1/folders/{fid}"), &a.other).await;
    assert_eq!((st, v["write_access"].clone()), (200, json!(false)));
    let (st, _) = get(&s.url, &format!("/api/v1/folders/{cid}"), &a.other).await;
    assert_eq!(st, 200);
    let (_, shared) = get(&s.url, "/api/v1/folders/shared", &a.other).await;
    let listed: Vec<(Value, Value, Value)> =
        shared.as_array().unwrap().iter().map(|f| (f["id"].clone(), f["permission"].clone(), f["owner_name"].clone())).collect();
    assert_eq!(listed, [(json!(fid), json!("read"), json!("Bob")), (json!(cid), json!("read"), json!("Bob"))]);
    let (_, mine) = get(&s.url, "/api/v1/folders/shared", &a.user).await;
    assert_eq!(mine[0]["permission"], json!("write"));
    let (st, _) = post(&s.url, &format!("/api/v1/folders/{fid}/update"), &a.other, json!({"name": "x"})).await;
    assert_eq!(st, 404);
    let (st, v) = get(&s.url, &format!("/api/v1/folders/{fid}/shared/chats"), &a.other).await;
    assert_eq!((st, v["folder_permission"].clone()), (200, json!("read")));
    // Expanding a shared folder answers it unchanged.
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{fid}/update/expanded"), &a.other, json!({"is_expanded": true})).await;
    assert_eq!((st, v["is_expanded"].clone()), (200, json!(false)));

    // With write, B renames it but cannot change its share_mode, share it, or delete it.
    let write = json!({"access_grants": [{"principal_type": "user", "principal_id": a.other_id, "permission": "write"}]});
    let (st, _) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.admin, write).await;
    assert_eq!(st, 200);
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{fid}/update"), &a.other, json!({"name": "Team 2"})).await;
    assert_eq!((st, v["name"].clone(), v["user_id"].clone()), (200, json!("Team 2"), json!(a.user_id)));
    let (st, _) = post(&s.url, &format!("/api/v1/folders/{fid}/update"), &a.other, json!({"data": {"share_mode": null}})).await;
    assert_eq!(st, 403);
    let (st, _) = post(&s.url, &format!("/api/v1/folders/{fid}/access/update"), &a.other, json!({"access_grants": []})).await;
    assert_eq!(st, 403);
    let r = req("DELETE", &s.url, &format!("/api/v1/folders/{fid}"), Some(&a.other), None).await;
    assert_eq!(r.status, 403);
    // A subfolder B creates inside it is A's.
    let inner = create(&s.url, &a.other, json!({"name": "From B", "parent_id": fid})).await;
    assert_eq!(inner["user_id"], json!(a.user_id));

    // Deleting the folder removes its grants.
    let r = req("DELETE", &s.url, &format!("/api/v1/folders/{fid}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let c = s.db.client().await;
    let n: i64 = c.query_one("SELECT count(*) FROM access_grant WHERE resource_type = 'folder'", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}

async fn chat(c: &tokio_postgres::Client, id: &str, user: &str, folder: &str, updated_at: i64) {
    c.execute(
        "INSERT INTO chat (id, user_id, title, created_at, updated_at, archived, pinned, chat, meta, folder_id)
         VALUES ($1, $2, $6, $4, $4, false, false, $5, '{}', $3)",
        &[&id, &user, &folder, &updated_at, &json!({"history": {"messages": {"m": {"role": "user", "user_id": user}}}}), &id],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn folder_chats_unread_pages_and_deletion() {
    let s = TestServer::start().await;
    let a: Accounts = setup(&s.url).await;
    let top = create(&s.url, &a.user, json!({"name": "Top"})).await;
    let tid = id(&top);
    let sub = create(&s.url, &a.user, json!({"name": "Sub", "parent_id": tid})).await;
    let sid = id(&sub);
    let c = s.db.client().await;
    // 11 chats in Top (a page and one more), one in Sub, one of B's in Sub.
    for i in 0..11 {
        chat(&c, &format!("top-{i:02}"), &a.user_id, &tid, 100 + i).await;
    }
    chat(&c, "sub-mine", &a.user_id, &sid, 50).await;
    chat(&c, "sub-theirs", &a.other_id, &sid, 60).await;
    c.execute("INSERT INTO chat_message (id, chat_id, user_id, role, created_at, updated_at) VALUES ('m1', 'sub-mine', $1, 'user', 1, 1)", &[&a.user_id])
        .await
        .unwrap();
    c.execute("INSERT INTO shared_chat (id, chat_id, user_id, title, created_at, updated_at) VALUES ('sh1', 'sub-mine', $1, 't', 1, 1)", &[&a.user_id])
        .await
        .unwrap();

    // Unread counts include the subfolders'.
    let (_, list) = get(&s.url, "/api/v1/folders/", &a.user).await;
    let count = |id: &str| list.as_array().unwrap().iter().find(|f| f["id"] == json!(id)).unwrap()["unread_count"].clone();
    assert_eq!((count(&tid), count(&sid)), (json!(12), json!(1)));

    // Pages of 10: the first with more, the last, one past it; without a page, all (up to 60).
    let (st, v) = get(&s.url, &format!("/api/v1/folders/{tid}/shared/chats?page=1&sort_by=updated_at"), &a.user).await;
    assert_eq!((st, v["chats"].as_array().unwrap().len(), v["total"].clone(), v["has_more"].clone()), (200, 10, json!(11), json!(true)));
    assert_eq!(v["chats"][0]["id"], json!("top-10"));
    let keys: Vec<String> = v["chats"][0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["id", "title", "user_id", "updated_at", "created_at", "last_read_at", "owner_name", "participants", "active", "readonly"]
    );
    assert_eq!(v["chats"][0]["participants"], json!([{"id": a.user_id, "name": "Bob"}]));
    let (_, v) = get(&s.url, &format!("/api/v1/folders/{tid}/shared/chats?page=2&sort_by=updated_at"), &a.user).await;
    assert_eq!((v["chats"].as_array().unwrap().len(), v["has_more"].clone()), (1, json!(false)));
    assert_eq!(v["chats"][0]["id"], json!("top-00"));
    let (_, v) = get(&s.url, &format!("/api/v1/folders/{tid}/shared/chats?page=3"), &a.user).await;
    assert_eq!((v["chats"].clone(), v["total"].clone(), v["has_more"].clone()), (json!([]), json!(11), json!(false)));
    let (_, v) = get(&s.url, &format!("/api/v1/folders/{tid}/shared/chats"), &a.user).await;
    assert_eq!((v["chats"].as_array().unwrap().len(), v.get("total").is_none()), (11, true));
    let (st, v) = get(&s.url, &format!("/api/v1/folders/{tid}/shared/chats?page=0"), &a.user).await;
    assert_eq!((st, v["detail"][0]["type"].clone()), (422, json!("greater_than_equal")));
    // B's chat in A's folder: listed to A read-only.
    let (_, v) = get(&s.url, &format!("/api/v1/folders/{sid}/shared/chats?sort_by=title&sort_dir=asc"), &a.user).await;
    let chats: Vec<(Value, Value)> = v["chats"].as_array().unwrap().iter().map(|c| (c["id"].clone(), c["readonly"].clone())).collect();
    assert_eq!(chats, [(json!("sub-mine"), json!(false)), (json!("sub-theirs"), json!(true))]);

    // Marking Top read marks its subtree for its owner.
    let (st, v) = post(&s.url, &format!("/api/v1/folders/{tid}/read"), &a.user, json!(null)).await;
    assert_eq!((st, v["updated_count"].clone()), (200, json!(12)));
    assert_eq!(v["folder_unread_counts"], json!({(tid.clone()): 0, (sid.clone()): 0}));

    // Deleting Top without its contents keeps the chats, outside any folder.
    let other = create(&s.url, &a.user, json!({"name": "Keep"})).await;
    let kid = id(&other);
    chat(&c, "kept", &a.user_id, &kid, 1).await;
    let r = req("DELETE", &s.url, &format!("/api/v1/folders/{kid}?delete_contents=false"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let folder: Option<String> = c.query_one("SELECT folder_id FROM chat WHERE id = 'kept'", &[]).await.unwrap().get(0);
    assert_eq!(folder, None);

    // A user without `chat.delete` cannot delete a folder with chats in it.
    c.execute(
        "INSERT INTO config (key, value, updated_at) VALUES ('user.permissions', $1, 0)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        &[&json!({"chat": {"delete": false}})],
    )
    .await
    .unwrap();
    s.reload_settings().await;
    let r = req("DELETE", &s.url, &format!("/api/v1/folders/{tid}"), Some(&a.user), None).await;
    assert_eq!(r.status, 403);
    c.execute("DELETE FROM config WHERE key = 'user.permissions'", &[]).await.unwrap();
    s.reload_settings().await;

    // Deleting Top deletes both folders, A's chats in them with their messages and shares; B's chat stays, outside.
    let r = req("DELETE", &s.url, &format!("/api/v1/folders/{tid}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.body.as_str()), (200, "true"));
    let count = |sql: &'static str| {
        let c = &c;
        async move { c.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(count("SELECT count(*) FROM folder WHERE name IN ('Top', 'Sub')").await, 0);
    assert_eq!(count("SELECT count(*) FROM chat WHERE id LIKE 'top-%' OR id = 'sub-mine'").await, 0);
    assert_eq!(count("SELECT count(*) FROM chat_message").await, 0);
    assert_eq!(count("SELECT count(*) FROM shared_chat").await, 0);
    assert_eq!(count("SELECT count(*) FROM chat WHERE id = 'sub-theirs' AND folder_id IS NULL").await, 1);
    let r = req("DELETE", &s.url, &format!("/api/v1/folders/{tid}"), Some(&a.user), None).await;
    assert_eq!((r.status, r.json()["detail"].clone()), (404, json!(NOT_FOUND)));
}

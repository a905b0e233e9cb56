//! `GET /api/v1/users/usage`: messages, tokens, models, tools, streaks and chat time from rows
//! seeded with SQL, days in the user's time zone; and the same bodies as the reference on one
//! database (chat messages cannot be written through any route we serve yet).

use serde_json::{json, Value};

use crate::common::*;
use crate::users::{req, setup};

/// A UTC midnight: Wednesday 2026-09-23.
const B: i64 = 1_790_121_600;
const DAY: i64 = 86_400;

/// id, chat, role, model, created_at, usage, output, meta.
type Message<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, i64, Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Three chats of `uid` (the third internal) and their messages: tokens in both key styles,
/// as text, an empty and a JSON-null usage, an empty model id, a system message, a
/// millisecond timestamp, tool calls in `output` and `meta`.
async fn seed(c: &tokio_postgres::Client, uid: &str) {
    for (chat, meta) in [("c1", "{}"), ("c2", "{}"), ("c3", r#"{"internal": true}"#)] {
        c.execute(
            "INSERT INTO chat (id, user_id, title, created_at, updated_at, chat, meta) VALUES ($1, $2, 't', $3, $3, '{}', $4::text::json)",
            &[&chat, &uid, &B, &meta],
        )
        .await
        .unwrap();
    }
    let long = "x".repeat(129);
    let odd_tools = json!([{"type": "tool", "name": long}, {"type": "tool", "name": 5, "tool_name": "ignored"}]).to_string();
    #[rustfmt::skip]
    let messages: Vec<Message> = vec![
        ("c1-0", "c1", "user", None, B + 84_600, None, None, None),
        ("c1-1", "c1", "assistant", Some("gpt"), B + 84_900, Some(r#"{"input_tokens": 10, "output_tokens": 5}"#),
            Some(r#"[{"type": "function_call", "name": "search"}]"#), None),
        ("c1-2", "c1", "user", Some("gpt"), B + 85_800, None, None, None),
        ("c1-3", "c1", "assistant", Some("gpt"), B + 87_000, Some(r#"{"prompt_tokens": 7, "completion_tokens": 3}"#),
            None, Some(r#"{"tool_calls": [{"type": "tool_call", "name": " calc "}]}"#)),
        ("c2-0", "c2", "user", None, B + 2 * DAY + 3_600, None, None, None),
        ("c2-1", "c2", "assistant", Some("claude"), B + 2 * DAY + 3_660, Some("{}"),
            Some(r#"[{"type": "tool", "tool_name": "search"}, {"type": "x", "output": [{"type": "tools", "name": "browse"}]}]"#), None),
        ("c2-2", "c2", "assistant", Some(""), B + 2 * DAY + 3_720, Some("null"), None, None),
        ("c2-3", "c2", "user", None, B + 3 * DAY + 3_600, None, None, None),
        ("c2-4", "c2", "assistant", Some("claude"), B + 3 * DAY + 3_700, Some(r#"{"input_tokens": "12", "output_tokens": 8}"#),
            Some(&odd_tools), None),
        ("c2-5", "c2", "system", None, B + 3 * DAY + 3_800, None, None, None),
        ("c2-6", "c2", "assistant", Some("gpt"), (B + 3 * DAY + 4_000) * 1000, Some(r#"{"input_tokens": 100, "output_tokens": 100}"#),
            None, None),
        ("c3-0", "c3", "user", None, B + 5 * DAY, None, None, None),
        ("c3-1", "c3", "assistant", Some("gpt"), B + 5 * DAY + 60, Some(r#"{"input_tokens": 1, "output_tokens": 1}"#), None, None),
    ];
    for (id, chat, role, model, at, usage, output, meta) in messages {
        c.execute(
            "INSERT INTO chat_message (id, chat_id, user_id, role, model_id, created_at, updated_at, usage, output, meta) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7::text::json, $8::text::json, $9::text::json)",
            &[&id, &chat, &uid, &role, &model, &at, &usage, &output, &meta],
        )
        .await
        .unwrap();
    }
}

async fn set_timezone(base: &str, token: &str, tz: &str) {
    let r = req("POST", base, "/api/v1/auths/update/timezone", Some(token), Some(&json!({"timezone": tz}).to_string())).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

fn day(d: i64) -> String {
    chrono::DateTime::from_timestamp(B + d * DAY, 0).unwrap().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn usage_from_seeded_messages() {
    let s = TestServer::start().await;
    let a = setup(&s.url).await;
    seed(&s.db.client().await, &a.user_id).await;
    let path = format!("/api/v1/users/usage?start_date={B}&end_date={}", B + 7 * DAY);

    // Tokyo (UTC+9): the first evening's messages fall on the next day.
    set_timezone(&s.url, &a.user, "Asia/Tokyo").await;
    let r = req("GET", &s.url, &path, Some(&a.user), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        v["totals"],
        json!({
            // Lifetime tokens: every assistant message, the millisecond one and the internal chat's included.
            "lifetime_tokens": 247, "input_tokens": 130, "output_tokens": 117, "peak_daily_tokens": 25,
            "longest_chat_seconds": 2400, "current_streak": 0, "longest_streak": 3, "total_chats": 2,
            "active_days": 4, "models_used": 3, "messages": 12, "user_messages": 5, "assistant_messages": 6,
        })
    );
    let heat = v["heatmap"].as_array().unwrap();
    assert_eq!(heat.len(), 8);
    assert_eq!(heat[0], json!({"date": day(0), "messages": 0, "chats": 0, "tokens": 0, "models": {}}));
    assert_eq!(heat[1], json!({"date": day(1), "messages": 4, "chats": 1, "tokens": 25, "models": {"gpt": 2}}));
    assert_eq!(heat[2], json!({"date": day(2), "messages": 3, "chats": 1, "tokens": 0, "models": {"claude": 1}}));
    assert_eq!(heat[3], json!({"date": day(3), "messages": 3, "chats": 1, "tokens": 20, "models": {"claude": 1}}));
    assert_eq!(heat[5], json!({"date": day(5), "messages": 2, "chats": 1, "tokens": 2, "models": {"gpt": 1}}));
    assert_eq!(
        v["weekly_heatmap"],
        json!([
            {"date": "2026-09-21", "messages": 10, "chats": 3, "tokens": 45, "models": {"gpt": 2, "claude": 2}},
            {"date": "2026-09-28", "messages": 2, "chats": 1, "tokens": 2, "models": {"gpt": 1}},
        ])
    );
    assert_eq!(v["cumulative_heatmap"][7], json!({"date": day(7), "messages": 12, "chats": 4, "tokens": 47, "models": {"gpt": 3, "claude": 2}}));
    assert_eq!(
        v["top_models"],
        json!([
            {"model_id": "gpt", "messages": 3, "input_tokens": 18, "output_tokens": 9, "total_tokens": 27},
            {"model_id": "claude", "messages": 2, "input_tokens": 12, "output_tokens": 8, "total_tokens": 20},
            {"model_id": "", "messages": 1, "input_tokens": 0, "output_tokens": 0, "total_tokens": 0},
        ])
    );
    assert_eq!(v["top_tools"], json!([{"name": "search", "count": 2}, {"name": "calc", "count": 1}, {"name": "browse", "count": 1}]));
    assert_eq!(
        v["insights"],
        json!({"most_used_model": "gpt", "average_tokens_per_chat": 123.5, "average_messages_per_active_day": 3.0,
               "user_message_share": 41.7, "assistant_message_share": 50.0})
    );
    assert_eq!(v["period"], json!({"start_date": B, "end_date": B + 7 * DAY, "days": 8}));

    // An unknown zone is UTC.
    set_timezone(&s.url, &a.user, "Not/AZone").await;
    let v = req("GET", &s.url, &path, Some(&a.user), None).await.json();
    assert_eq!((v["totals"]["active_days"].clone(), v["totals"]["longest_streak"].clone()), (json!(5), json!(4)));
    assert_eq!(v["heatmap"][0], json!({"date": day(0), "messages": 3, "chats": 1, "tokens": 15, "models": {"gpt": 1}}));
    assert_eq!(v["insights"]["average_messages_per_active_day"], json!(2.4));

    // Keys zoneinfo refuses with a ValueError fail, as on the reference.
    for tz in ["zone.tab", "Asia/Tokyo/", "/etc/localtime", "../zoneinfo/UTC"] {
        set_timezone(&s.url, &a.user, tz).await;
        let r = req("GET", &s.url, &path, Some(&a.user), None).await;
        assert_eq!(r.status, 500, "{tz}: {}", r.body);
    }
    set_timezone(&s.url, &a.user, "").await;

    // Zones with leap seconds, which ZoneInfo reads and PostgreSQL refuses (they answered 500):
    // `right/UTC` is UTC; elsewhere zoneinfo applies each change of offset 27 s late (it reads the
    // file's leap-second-counting transition times as POSIX times). Chile's summer time ends at
    // 2026-04-05 03:00 UTC, midnight going back to 23:00: ten seconds later is still Sunday in
    // `right/America/Santiago` but Saturday in `America/Santiago` (as Python computes both).
    set_timezone(&s.url, &a.user, "Not/AZone").await;
    let utc = req("GET", &s.url, &path, Some(&a.user), None).await.body;
    set_timezone(&s.url, &a.user, "right/UTC").await;
    let r = req("GET", &s.url, &path, Some(&a.user), None).await;
    assert_eq!((r.status, r.body), (200, utc));
    set_timezone(&s.url, &a.user, "").await;
    const CHILE: i64 = 1_775_358_000;
    let c = s.db.client().await;
    c.execute("INSERT INTO chat (id, user_id, title, created_at, updated_at, chat) VALUES ('cl', $1, 't', $2, $2, '{}')", &[&a.other_id, &CHILE])
        .await
        .unwrap();
    c.execute(
        "INSERT INTO chat_message (id, chat_id, user_id, role, created_at, updated_at) VALUES ('cl-0', 'cl', $1, 'user', $2, $2)",
        &[&a.other_id, &(CHILE + 10)],
    )
    .await
    .unwrap();
    let chile = format!("/api/v1/users/usage?start_date={}&end_date={}", CHILE - DAY, CHILE + DAY);
    for (tz, day) in [("America/Santiago", "2026-04-04"), ("right/America/Santiago", "2026-04-05"), ("posix/America/Santiago", "2026-04-04")] {
        set_timezone(&s.url, &a.other, tz).await;
        let r = req("GET", &s.url, &chile, Some(&a.other), None).await;
        assert_eq!(r.status, 200, "{tz}: {}", r.body);
        let busy: Vec<Value> = r.json()["heatmap"].as_array().unwrap().iter().filter(|d| d["messages"] == json!(1)).map(|d| d["date"].clone()).collect();
        assert_eq!(busy, vec![json!(day)], "{tz}");
    }
    // After a `right/` file's last transition (its leap table's expiry, June 2026) there is no
    // rule: zoneinfo keeps that transition's offset, summer time, for ever (Python 3.11 gives
    // these dates for 2026-12-02 07:30 UTC).
    const WINTER: i64 = 1_796_196_600;
    c.execute("UPDATE chat_message SET created_at = $1, updated_at = $1 WHERE id = 'cl-0'", &[&WINTER]).await.unwrap();
    let winter = format!("/api/v1/users/usage?start_date={}&end_date={}", WINTER - DAY, WINTER + DAY);
    for (tz, day) in [("America/Los_Angeles", "2026-12-01"), ("right/America/Los_Angeles", "2026-12-02")] {
        set_timezone(&s.url, &a.other, tz).await;
        let r = req("GET", &s.url, &winter, Some(&a.other), None).await;
        assert_eq!(r.status, 200, "{tz}: {}", r.body);
        let busy: Vec<Value> = r.json()["heatmap"].as_array().unwrap().iter().filter(|d| d["messages"] == json!(1)).map(|d| d["date"].clone()).collect();
        assert_eq!(busy, vec![json!(day)], "{tz}");
    }
    c.execute("DELETE FROM chat_message WHERE id = 'cl-0'", &[]).await.unwrap();
    c.execute("DELETE FROM chat WHERE id = 'cl'", &[]).await.unwrap();
    set_timezone(&s.url, &a.other, "").await;

    // Another user sees none of it; without a start bound, null-free rows count alike.
    let v = req("GET", &s.url, &path, Some(&a.other), None).await.json();
    assert_eq!((v["totals"]["messages"].clone(), v["totals"]["lifetime_tokens"].clone()), (json!(0), json!(0)));
    let v = req("GET", &s.url, &format!("/api/v1/users/usage?start_date=0&end_date={}", B + 7 * DAY), Some(&a.user), None).await.json();
    assert_eq!(v["totals"]["messages"], json!(12));
}

/// Compares our answer with the reference's, as bytes; `mask_period` for periods ending now.
async fn same(reference: &str, ours: &str, token: &str, path: &str, mask_period: bool) {
    let theirs = req("GET", reference, path, Some(token), None).await;
    let mine = req("GET", ours, path, Some(token), None).await;
    assert_eq!(mine.status, theirs.status, "{path}: {} vs {}", mine.body, theirs.body);
    if theirs.status != 200 {
        return;
    }
    if mask_period {
        let mask = |b: &str| {
            let mut v: Value = serde_json::from_str(b).unwrap();
            v["period"]["start_date"] = json!(0);
            v["period"]["end_date"] = json!(0);
            v.to_string()
        };
        assert_eq!(mask(&mine.body), mask(&theirs.body), "{path}");
    } else {
        assert_eq!(mine.body, theirs.body, "{path}");
    }
}

/// The same usage bodies as the reference on one database, in several time zones.
#[tokio::test]
async fn usage_matches_the_reference() {
    let Some((reference, s)) = shared_backends().await else { return };
    let a = setup(&reference.url).await;
    seed(&s.db.client().await, &a.user_id).await;
    let fixed = [
        format!("/api/v1/users/usage?start_date={B}&end_date={}", B + 7 * DAY),
        format!("/api/v1/users/usage?start_date=0&end_date={}", B + 7 * DAY),
        format!("/api/v1/users/usage?days=7&end_date={}", B + 4 * DAY),
        format!("/api/v1/users/usage?start_date={}&end_date={}", B + 2 * DAY + 3_660, B + 3 * DAY + 3_700),
        format!("/api/v1/users/usage?start_date={}&end_date={}", B - 30 * DAY, B + 40 * DAY),
        format!("/api/v1/users/usage?start_date=5&end_date={}", B + 7 * DAY),
        format!("/api/v1/users/usage?start_date={}&end_date={}", B + 7 * DAY, B),
    ];
    // The reference sees the seeded rows (so the comparisons below are not of empty reports).
    let r = req("GET", &reference.url, &fixed[0], Some(&a.user), None).await;
    assert_eq!((r.json()["totals"]["lifetime_tokens"].clone(), r.json()["top_tools"][0]["count"].clone()), (json!(247), json!(2)), "{}", r.body);
    for tz in [
        None,
        Some("Asia/Tokyo"),
        Some("America/Los_Angeles"),
        Some("Pacific/Kiritimati"),
        Some("Not/AZone"),
        Some("zone.tab"),
        Some("right/UTC"),
        Some("right/America/Los_Angeles"),
        Some(""),
    ] {
        if let Some(tz) = tz {
            set_timezone(&reference.url, &a.user, tz).await;
        }
        for path in &fixed {
            same(&reference.url, &s.url, &a.user, path, false).await;
        }
        same(&reference.url, &s.url, &a.user, "/api/v1/users/usage", true).await;
        same(&reference.url, &s.url, &a.user, &format!("/api/v1/users/usage?start_date={B}"), true).await;
    }
    // An account without messages.
    let week = format!("/api/v1/users/usage?start_date={B}&end_date={}", B + 7 * DAY);
    same(&reference.url, &s.url, &a.other, &week, false).await;
    // Zone names PostgreSQL also knows as fixed-offset abbreviations (CET is +01:00 there, but the
    // CET zone file has summer time): a message at 22:30 UTC in September is on the next day.
    let c = s.db.client().await;
    c.execute("INSERT INTO chat (id, user_id, title, created_at, updated_at, chat) VALUES ('c9', $1, 't', $2, $2, '{}')", &[&a.other_id, &B])
        .await
        .unwrap();
    c.execute(
        "INSERT INTO chat_message (id, chat_id, user_id, role, created_at, updated_at) VALUES ('c9-0', 'c9', $1, 'user', $2, $2)",
        &[&a.other_id, &(B + 4 * DAY + 81_000)],
    )
    .await
    .unwrap();
    for tz in ["CET", "MET", "EET", "WET", "EST5EDT"] {
        set_timezone(&reference.url, &a.other, tz).await;
        same(&reference.url, &s.url, &a.other, &week, false).await;
    }
    // Ten seconds after a change of offset that crosses midnight (Chile, 2026-04-05 03:00 UTC),
    // where zoneinfo's `right/` zone is still on the old offset.
    const CHILE: i64 = 1_775_358_000;
    c.execute(
        "INSERT INTO chat_message (id, chat_id, user_id, role, created_at, updated_at) VALUES ('c9-1', 'c9', $1, 'user', $2, $2)",
        &[&a.other_id, &(CHILE + 10)],
    )
    .await
    .unwrap();
    let chile = format!("/api/v1/users/usage?start_date={}&end_date={}", CHILE - DAY, CHILE + DAY);
    for tz in ["America/Santiago", "right/America/Santiago"] {
        set_timezone(&reference.url, &a.other, tz).await;
        same(&reference.url, &s.url, &a.other, &chile, false).await;
    }
    reference.stop();
}

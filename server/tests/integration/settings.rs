//! Settings held in memory (`server::settings`): a change made by one instance reaches the
//! others through NOTIFY; a change that does not notify (the Python reference's) through the
//! periodic reload.

use std::time::{Duration, Instant};

use crate::auths::signup;
use crate::common::*;

/// Polls `/api/config` of `base` until it reports `enable_signup` as `want` (at least once,
/// then until `limit`); the time it took.
async fn until_signup(base: &str, want: bool, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let needle = format!(r#""enable_signup":{want}"#);
    loop {
        let (_, _, body) = get(&format!("{base}/api/config")).await;
        if String::from_utf8_lossy(&body).contains(&needle) {
            return Some(start.elapsed());
        }
        if start.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_the_others() {
    // No periodic reload: only the notification can carry the change.
    let a = TestServer::start_with(&[("OWUI_SETTINGS_REFRESH_SECONDS", "3600")]).await;
    let b = TestServer::start_with(&[("DATABASE_URL", &a.db.conninfo), ("OWUI_SETTINGS_REFRESH_SECONDS", "3600")]).await;
    assert!(until_signup(&b.url, true, Duration::from_millis(1)).await.is_some());
    // The first sign-up on A closes sign-up (a `config` row written by A, which notifies).
    assert_eq!(signup(&a.url, "Admin", "admin@example.com", "pw-123456").await.status, 200);
    assert!(until_signup(&a.url, false, Duration::from_millis(1)).await.is_some(), "the writer sees its change at once");
    let took = until_signup(&b.url, false, Duration::from_secs(10)).await.expect("B never saw the change");
    eprintln!("the other instance saw the change after {took:?}");
}

#[tokio::test]
async fn a_change_without_notification_is_seen_at_the_next_reload() {
    let s = TestServer::start_with(&[("OWUI_SETTINGS_REFRESH_SECONDS", "1")]).await;
    assert!(until_signup(&s.url, true, Duration::from_millis(1)).await.is_some());
    // As the reference writes it: no NOTIFY.
    s.db.client()
        .await
        .execute("INSERT INTO config (key, value, updated_at) VALUES ('ui.enable_signup', 'false'::json, 0)", &[])
        .await
        .unwrap();
    let took = until_signup(&s.url, false, Duration::from_secs(10)).await.expect("never reloaded");
    assert!(took <= Duration::from_secs(3), "{took:?}");
}

//! Schema parity with the reference, and both backends starting on each other's databases.

use crate::common::*;

/// The server's migrations produce exactly the reference's schema (refinery's table aside).
#[tokio::test]
async fn migrated_schema_equals_the_reference_dump() {
    let db = TestDb::empty().await;
    let s = TestServer::start_on(db, &[]).await.expect("start on an empty database");
    let ours = schema_dump(&s.db);
    let reference = std::fs::read_to_string(repo_root().join("migrations/reference-schema.sql")).unwrap();
    if ours != reference {
        let path = std::env::temp_dir().join("owui-schema-ours.sql");
        std::fs::write(&path, &ours).unwrap();
        panic!("schema differs from migrations/reference-schema.sql; ours is in {}: diff them", path.display());
    }
    let client = s.db.client().await;
    let stamp: String = client.query_one("SELECT version_num FROM alembic_version", &[]).await.unwrap().get(0);
    assert_eq!(stamp, "0bd252b206fb");
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'refinery_schema_history'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 48);
}

/// A second start on the same database changes nothing.
#[tokio::test]
async fn restart_is_a_no_op() {
    let mut s = TestServer::start().await;
    let before = full_dump(&s.db);
    s.restart().await.expect("second start");
    assert_eq!(before, full_dump(&s.db));
}

/// The server starts on a database the reference created, serves it, and leaves it intact.
#[tokio::test]
async fn server_starts_on_a_reference_database() {
    if !Reference::available() {
        return;
    }
    let db = TestDb::empty().await;
    let reference = Reference::start(&db.url());
    reference.stop();
    let before = full_dump(&db);
    assert_eq!(schema_dump(&db), std::fs::read_to_string(repo_root().join("migrations/reference-schema.sql")).unwrap());
    let mut s = TestServer::start_on(db, &[]).await.expect("start on the reference's database");
    let (status, _, _) = get(&format!("{}/api/config", s.url)).await;
    assert_eq!(status, 200);
    s.stop().await;
    assert_eq!(before, full_dump(&s.db), "the server changed a database the reference created");
}

/// The reference starts on a database the server created, without running any migration.
#[tokio::test]
async fn reference_starts_on_a_server_database() {
    if !Reference::available() {
        return;
    }
    let db = TestDb::new().await;
    let reference = Reference::start(&db.url());
    let (status, _, body) = get(&format!("{}/api/config", reference.url)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    reference.stop();
    let log = reference.log();
    assert!(!log.contains("Running upgrade"), "the reference migrated our database:\n{log}");
    assert!(!log.contains("Traceback"), "the reference failed:\n{log}");
    let client = db.client().await;
    let stamp: String = client.query_one("SELECT version_num FROM alembic_version", &[]).await.unwrap().get(0);
    assert_eq!(stamp, "0bd252b206fb");
}

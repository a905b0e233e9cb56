//! The Analytics page's queries (`ChatMessages.get_analytics_summary`, `get_model_analytics`,
//! `get_user_analytics`, `get_token_usage_by_model`, `get_usage_over_time_by_model` in
//! `models/chat_messages.py`): the same SQL over `chat_message`, so that PostgreSQL answers both
//! backends alike (group order included, where the reference sorts groups stably in Python).

use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::usage::{INPUT_TOKENS, OUTPUT_TOKENS};
use super::DbError;

/// The period and group of a query.
pub struct Period<'a> {
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub group_id: Option<&'a str>,
}

/// The conditions on assistant answers (`with_model`: `model_id IS NOT NULL`), each bound
/// applied only when given and non-zero (`if start_date:`), the group's members (its subgroups'
/// included: `group_user_memberships([group_id], True)`), and their parameters.
fn filter<'a>(p: &'a Period<'a>, with_model: bool) -> (String, Vec<&'a (dyn ToSql + Sync)>) {
    let mut sql = String::from("role = 'assistant'");
    let mut args: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if with_model {
        sql.push_str(" AND model_id IS NOT NULL");
    }
    if let Some(s) = p.start.as_ref().filter(|s| **s != 0) {
        args.push(s);
        sql.push_str(&format!(" AND created_at >= ${}", args.len()));
    }
    if let Some(e) = p.end.as_ref().filter(|e| **e != 0) {
        args.push(e);
        sql.push_str(&format!(" AND created_at <= ${}", args.len()));
    }
    if let Some(g) = p.group_id.as_ref().filter(|g| !g.is_empty()) {
        args.push(g);
        let n = args.len();
        sql.push_str(&format!(
            " AND user_id IN (SELECT gm.user_id FROM group_member gm WHERE gm.group_id IN (WITH RECURSIVE d(group_id) AS (
                SELECT id FROM \"group\" WHERE id = ${n}
                UNION
                SELECT g.id FROM \"group\" g JOIN d ON g.parent_group_id = d.group_id
            ) SELECT group_id FROM d))"
        ));
    }
    (sql, args)
}

/// `get_analytics_summary`: answers, chats, models, users (the answers without a user count as
/// one more).
pub async fn summary(db: &impl GenericClient, p: &Period<'_>) -> Result<(i64, i64, i64, i64), DbError> {
    let (cond, args) = filter(p, false);
    let sql = format!(
        "SELECT count(model_id), count(DISTINCT chat_id), count(DISTINCT model_id),
                count(DISTINCT user_id) + CASE WHEN count(*) > count(user_id) THEN 1 ELSE 0 END
         FROM chat_message WHERE {cond}"
    );
    let r = db.query_one(&sql, &args).await?;
    Ok((r.get(0), r.get(1), r.get(2), r.get::<_, i64>(3)))
}

/// `get_model_analytics`: `(model_id, answers, distinct users, distinct chats)` in the
/// database's group order.
pub async fn per_model(db: &impl GenericClient, p: &Period<'_>) -> Result<Vec<(String, i64, i64, i64)>, DbError> {
    let (cond, args) = filter(p, true);
    let sql = format!(
        "SELECT model_id, count(id), count(DISTINCT user_id), count(DISTINCT chat_id) FROM chat_message WHERE {cond} GROUP BY model_id"
    );
    Ok(db.query(&sql, &args).await?.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

/// `get_token_usage_by_model`: `(model_id, input, output, answers)` of the answers with a usage.
pub async fn tokens_per_model(db: &impl GenericClient, p: &Period<'_>) -> Result<Vec<(String, i64, i64, i64)>, DbError> {
    let (cond, args) = filter(p, true);
    let sql = format!(
        "SELECT model_id, coalesce(sum({INPUT_TOKENS}), 0)::int8, coalesce(sum({OUTPUT_TOKENS}), 0)::int8, count(id)
         FROM chat_message WHERE {cond} AND usage IS NOT NULL GROUP BY model_id"
    );
    Ok(db.query(&sql, &args).await?.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect())
}

/// `get_user_analytics`: `(user_id, input, output, answers)` per user (no tokens for the answers
/// without a user), with the user's `(name, email)` when the account exists.
#[allow(clippy::type_complexity)]
pub async fn per_user(db: &impl GenericClient, p: &Period<'_>) -> Result<Vec<(Option<String>, i64, i64, i64, Option<(String, String)>)>, DbError> {
    let (cond, args) = filter(p, false);
    let sql = format!(
        r#"SELECT m.user_id, m.i, m.o, m.n, u.name, u.email FROM (
               SELECT user_id,
                      coalesce(sum(CASE WHEN user_id IS NOT NULL THEN {INPUT_TOKENS} ELSE 0 END), 0)::int8 AS i,
                      coalesce(sum(CASE WHEN user_id IS NOT NULL THEN {OUTPUT_TOKENS} ELSE 0 END), 0)::int8 AS o,
                      count(id) AS n
               FROM chat_message WHERE {cond} GROUP BY user_id) m
           LEFT JOIN "user" u ON u.id = m.user_id"#
    );
    Ok(db
        .query(&sql, &args)
        .await?
        .iter()
        .map(|r| {
            let who = r.get::<_, Option<String>>(4).map(|n| (n, r.get::<_, Option<String>>(5).unwrap_or_default()));
            (r.get(0), r.get(1), r.get(2), r.get(3), who)
        })
        .collect())
}

/// `get_usage_over_time_by_model` by day: `(YYYY-MM-DD in zone, model_id, value)`, the
/// timestamps normalised as the reference normalises them (milliseconds read as seconds, outside
/// 2020..now+1 day read as now) and shifted by `offset` seconds.
pub async fn per_day(db: &impl GenericClient, p: &Period<'_>, tokens: bool, zone: &str, offset: i64, now: f64) -> Result<Vec<(String, String, i64)>, DbError> {
    let (cond, mut args) = filter(p, true);
    let value = if tokens { format!("coalesce({INPUT_TOKENS}, 0) + coalesce({OUTPUT_TOKENS}, 0)") } else { "1".into() };
    args.push(&zone);
    let z = args.len();
    args.push(&offset);
    let o = args.len();
    args.push(&now);
    let n = args.len();
    let seconds = "CASE WHEN created_at > 10000000000 THEN CAST(created_at AS FLOAT8) / 1000 ELSE created_at END";
    let day = format!(
        "to_char(timezone(${z}::text, to_timestamp(CASE WHEN ({seconds}) BETWEEN 1577836800 AND ${n}::float8 + 86400 THEN ({seconds}) ELSE ${n}::float8 END + ${o}::int8)), 'YYYY-MM-DD')"
    );
    let sql = format!("SELECT {day}, model_id, sum({value})::int8 FROM chat_message WHERE {cond} GROUP BY {day}, model_id");
    Ok(db.query(&sql, &args).await?.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}

/// `get_usage_over_time_by_model` below a day: `(created_at, model_id, value)` of every answer,
/// in the table's order, for the caller to bucket.
pub async fn answers(db: &impl GenericClient, p: &Period<'_>, tokens: bool) -> Result<Vec<(Option<i64>, String, i64)>, DbError> {
    let (cond, args) = filter(p, true);
    let value = if tokens { format!("(coalesce({INPUT_TOKENS}, 0) + coalesce({OUTPUT_TOKENS}, 0))::int8") } else { "1::int8".into() };
    let sql = format!("SELECT created_at, model_id, {value} FROM chat_message WHERE {cond}");
    Ok(db.query(&sql, &args).await?.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}

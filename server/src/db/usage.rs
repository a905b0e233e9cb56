//! The usage report's queries (`GET /api/v1/users/usage`): the reference's
//! `ChatMessages.get_user_usage_summary`, `get_user_daily_usage`, `get_user_top_models`,
//! `get_user_top_tools` (`models/chat_messages.py`) and `Chats.get_user_usage_chat_stats`
//! (`models/chats.py`), with the same SQL, so that PostgreSQL answers both backends alike (row
//! order included, where the reference has no `ORDER BY`).

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::GenericClient;

use super::DbError;

/// `_token_columns('postgresql')`: input and output tokens of `chat_message.usage`, falling back to
/// OpenAI's `prompt_tokens` / `completion_tokens`.
pub const INPUT_TOKENS: &str = "coalesce(CAST(json_extract_path_text(usage, 'input_tokens') AS INTEGER), \
     CAST(json_extract_path_text(usage, 'prompt_tokens') AS INTEGER))";
pub const OUTPUT_TOKENS: &str = "coalesce(CAST(json_extract_path_text(usage, 'output_tokens') AS INTEGER), \
     CAST(json_extract_path_text(usage, 'completion_tokens') AS INTEGER))";

/// `get_user_usage_summary` without the active days.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub messages: i64,
    pub user_messages: i64,
    pub assistant_messages: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub models_used: i64,
}

/// The `created_at` bounds, each applied only when given and non-zero (`if start_date:`).
fn bounds(start: Option<i64>, end: Option<i64>, first: usize) -> (String, Vec<i64>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    if let Some(s) = start.filter(|s| *s != 0) {
        args.push(s);
        sql.push_str(&format!(" AND created_at >= ${}", first + args.len() - 1));
    }
    if let Some(e) = end.filter(|e| *e != 0) {
        args.push(e);
        sql.push_str(&format!(" AND created_at <= ${}", first + args.len() - 1));
    }
    (sql, args)
}

fn params<'a>(user_id: &'a String, args: &'a [i64]) -> Vec<&'a (dyn ToSql + Sync)> {
    let mut p: Vec<&(dyn ToSql + Sync)> = vec![user_id];
    p.extend(args.iter().map(|a| a as &(dyn ToSql + Sync)));
    p
}

/// `get_user_usage_summary`: messages per role, assistant tokens, distinct assistant models.
pub async fn summary(db: &impl GenericClient, user_id: &str, start: Option<i64>, end: Option<i64>) -> Result<Summary, DbError> {
    let uid = user_id.to_string();
    let (cond, args) = bounds(start, end, 2);
    let p = params(&uid, &args);
    let mut s = Summary::default();
    let sql = format!("SELECT role, count(id) FROM chat_message WHERE user_id = $1{cond} GROUP BY role");
    for r in db.query(&sql, &p).await? {
        let role: String = r.get(0);
        let n: i64 = r.get(1);
        s.messages += n;
        match role.as_str() {
            "user" => s.user_messages = n,
            "assistant" => s.assistant_messages = n,
            _ => {}
        }
    }
    let sql = format!(
        "SELECT coalesce(sum({INPUT_TOKENS}), 0)::int8, coalesce(sum({OUTPUT_TOKENS}), 0)::int8 FROM chat_message \
         WHERE user_id = $1 AND role = 'assistant' AND usage IS NOT NULL{cond}"
    );
    let r = db.query_one(&sql, &p).await?;
    (s.input_tokens, s.output_tokens) = (r.get(0), r.get(1));
    let sql = format!(
        "SELECT count(DISTINCT model_id) FROM chat_message WHERE user_id = $1 AND role = 'assistant' AND model_id IS NOT NULL{cond}"
    );
    s.models_used = db.query_one(&sql, &p).await?.get(0);
    Ok(s)
}

/// The `created_at` of the user's messages in the period (`get_user_usage_summary`'s active days;
/// `None` when the column is NULL, which only a missing start bound lets through).
pub async fn message_times(db: &impl GenericClient, user_id: &str, start: Option<i64>, end: Option<i64>) -> Result<Vec<Option<i64>>, DbError> {
    let uid = user_id.to_string();
    let (cond, args) = bounds(start, end, 2);
    let sql = format!("SELECT created_at FROM chat_message WHERE user_id = $1{cond}");
    Ok(db.query(&sql, &params(&uid, &args)).await?.iter().map(|r| r.get(0)).collect())
}

/// One message of `get_user_daily_usage`.
#[derive(Debug, Clone)]
pub struct DailyRow {
    pub created_at: i64,
    pub chat_id: String,
    pub role: String,
    pub model_id: Option<String>,
    pub usage: Option<Value>,
    pub input_tokens: Option<i32>,
    pub output_tokens: Option<i32>,
}

/// `get_user_daily_usage`'s rows, in the database's order.
pub async fn daily_rows(db: &impl GenericClient, user_id: &str, start: i64, end: i64) -> Result<Vec<DailyRow>, DbError> {
    let sql = format!(
        "SELECT created_at, chat_id, role, model_id, usage, {INPUT_TOKENS}, {OUTPUT_TOKENS} FROM chat_message \
         WHERE user_id = $1 AND created_at >= $2 AND created_at <= $3"
    );
    Ok(db
        .query(&sql, &[&user_id, &start, &end])
        .await?
        .iter()
        .map(|r| DailyRow {
            created_at: r.get(0),
            chat_id: r.get(1),
            role: r.get(2),
            model_id: r.get(3),
            usage: r.get(4),
            input_tokens: r.get(5),
            output_tokens: r.get(6),
        })
        .collect())
}

/// One entry of `get_user_top_models`.
#[derive(Debug, Clone)]
pub struct ModelUsage {
    pub model_id: String,
    pub messages: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// `get_user_top_models`: assistant messages per model, most first.
pub async fn top_models(db: &impl GenericClient, user_id: &str, start: i64, end: i64, limit: i64) -> Result<Vec<ModelUsage>, DbError> {
    let sql = format!(
        "SELECT model_id, count(id), coalesce(sum({INPUT_TOKENS}), 0)::int8, coalesce(sum({OUTPUT_TOKENS}), 0)::int8 \
         FROM chat_message WHERE user_id = $1 AND role = 'assistant' AND model_id IS NOT NULL AND created_at >= $2 AND created_at <= $3 \
         GROUP BY model_id ORDER BY count(id) DESC LIMIT $4"
    );
    Ok(db
        .query(&sql, &[&user_id, &start, &end, &limit])
        .await?
        .iter()
        .map(|r| ModelUsage { model_id: r.get(0), messages: r.get(1), input_tokens: r.get(2), output_tokens: r.get(3) })
        .collect())
}

/// `get_user_top_tools`' rows: each message's `output` and `meta`, in the database's order.
pub async fn tool_rows(db: &impl GenericClient, user_id: &str, start: i64, end: i64) -> Result<Vec<(Option<Value>, Option<Value>)>, DbError> {
    let sql = "SELECT output, meta FROM chat_message WHERE user_id = $1 AND created_at >= $2 AND created_at <= $3";
    Ok(db.query(sql, &[&user_id, &start, &end]).await?.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// `ACTIVE_CHAT_GAP_SECONDS`: a longer pause ends a stretch of activity.
const ACTIVE_CHAT_GAP_SECONDS: i64 = 30 * 60;

/// `Chats.get_user_usage_chat_stats`: the user's chats (internal ones excluded) and the longest
/// active time of one chat (the sum of its gaps between messages of at most 30 minutes).
pub async fn chat_stats(db: &impl GenericClient, user_id: &str) -> Result<(i64, i64), DbError> {
    const NOT_INTERNAL: &str = "CAST((chat.meta ->> 'internal') AS BOOLEAN) IS NOT true";
    let total: i64 = db
        .query_one(&format!("SELECT count(chat.id) FROM chat WHERE chat.user_id = $1 AND {NOT_INTERNAL}"), &[&user_id])
        .await?
        .get(0);
    let rows = db
        .query(
            &format!(
                "SELECT chat_message.chat_id, chat_message.created_at FROM chat_message JOIN chat ON chat.id = chat_message.chat_id \
                 WHERE chat.user_id = $1 AND {NOT_INTERNAL} AND chat_message.created_at IS NOT NULL \
                 ORDER BY chat_message.chat_id, chat_message.created_at ASC"
            ),
            &[&user_id],
        )
        .await?;
    let mut last_at: std::collections::HashMap<String, i64> = Default::default();
    let mut active: std::collections::HashMap<String, i64> = Default::default();
    for r in &rows {
        let chat: String = r.get(0);
        let at: i64 = r.get(1);
        let at = if at > 10_000_000_000 { at / 1000 } else { at };
        if let Some(last) = last_at.get(&chat) {
            let delta = at - last;
            if delta > 0 && delta <= ACTIVE_CHAT_GAP_SECONDS {
                *active.entry(chat.clone()).or_default() += delta;
            }
        }
        last_at.insert(chat, at);
    }
    Ok((total, active.values().copied().max().unwrap_or(0)))
}

/// A time zone as the reference's `ZoneInfo(key)` reads it.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    /// The tz database key (a file under `zoneinfo.TZPATH`).
    pub key: String,
    /// For a zone file with leap seconds (the `right/` tree): its leap-second records
    /// (occurrence, total correction so far), in order. Empty for every other zone.
    pub leaps: Vec<(i64, i64)>,
    /// The file's last transition time (after it, its POSIX rule applies, or `fixed_after`).
    pub last_transition: Option<i64>,
    /// The UTC offset `zoneinfo` keeps after the last transition when the file has no POSIX rule
    /// (the `right/` files: see `app::users::usage::tzif_leaps`).
    pub fixed_after: Option<i64>,
}

impl Zone {
    /// The zone PostgreSQL is asked for. PostgreSQL refuses files with leap seconds ("time zone
    /// "right/UTC" appears to use leap seconds", SQLSTATE 22023); their twin without them is the
    /// same key outside `right/`.
    fn pg_name(&self) -> String {
        if self.leaps.is_empty() {
            return self.key.clone();
        }
        self.key.split('/').filter(|c| *c != "right").collect::<Vec<_>>().join("/")
    }

    /// How many seconds late Python's `zoneinfo` applies the offsets at `t`: it reads a `right/`
    /// file's transition times (counted with leap seconds) as POSIX times and ignores the leap
    /// records, so each change of offset comes the leap seconds so far (27 since 2017) after the
    /// same change in the twin; after the file's last transition its POSIX rule applies on time
    /// (or, in a file without one, the fixed offset of [`Zone::fixed`]).
    fn lag(&self, t: i64) -> i64 {
        if self.leaps.is_empty() || self.last_transition.is_some_and(|last| t > last) {
            return 0;
        }
        self.leaps.iter().take_while(|(at, _)| *at <= t).last().map(|(_, correction)| *correction).unwrap_or(0)
    }

    /// The fixed UTC offset in force at `t`, if the file's last transition is past and it has
    /// no rule for what follows.
    fn fixed(&self, t: i64) -> Option<i64> {
        match (self.last_transition, self.fixed_after) {
            (Some(last), Some(offset)) if !self.leaps.is_empty() && t > last => Some(offset),
            _ => None,
        }
    }
}

/// The calendar date (`YYYY-MM-DD`) of each epoch second in `zone` as the reference computes it
/// (`datetime.fromtimestamp(t, ZoneInfo(key))`), in order. PostgreSQL reads the same tz database
/// files; the zone is the session's `TimeZone` for one transaction, not `AT TIME ZONE`, which
/// would take a name such as `CET` or `MET` as a fixed-offset abbreviation instead of the zone
/// file (with summer time). A `right/` zone is read as its twin (see [`Zone::pg_name`]) with the
/// offset of [`Zone::lag`] seconds earlier, which gives Python's dates exactly.
pub async fn local_dates(db: &mut deadpool_postgres::Object, zone: &Zone, stamps: &[i64]) -> Result<Vec<String>, DbError> {
    let tx = db.transaction().await?;
    tx.execute("SELECT set_config('TimeZone', $1, true)", &[&zone.pg_name()]).await?;
    let rows = if zone.leaps.is_empty() {
        let sql = "SELECT to_char(to_timestamp(t), 'YYYY-MM-DD') FROM unnest($1::int8[]) WITH ORDINALITY AS u(t, i) ORDER BY i";
        tx.query(sql, &[&stamps]).await?
    } else {
        let lags: Vec<i64> = stamps.iter().map(|t| zone.lag(*t)).collect();
        let fixed: Vec<Option<i64>> = stamps.iter().map(|t| zone.fixed(*t)).collect();
        let sql = "SELECT to_char((to_timestamp(t) AT TIME ZONE 'UTC') + make_interval(secs => \
                   COALESCE(f::float8, extract(timezone FROM to_timestamp(t - l))::float8)), 'YYYY-MM-DD') \
                   FROM unnest($1::int8[], $2::int8[], $3::int8[]) WITH ORDINALITY AS u(t, l, f, i) ORDER BY i";
        tx.query(sql, &[&stamps, &lags, &fixed]).await?
    };
    let dates = rows.iter().map(|r| r.get(0)).collect();
    tx.commit().await?;
    Ok(dates)
}

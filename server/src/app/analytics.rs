//! The admin panel's Analytics page (`routers/analytics.py`): counts of the assistant answers
//! saved in `chat_message`, as the reference counts them.
//!
//! Time buckets are the reference's server-local time, here UTC.
// Not done: a server whose local zone is not UTC (the reference buckets in its `TZ` or
// `/etc/localtime`); here every bucket is in UTC.

use chrono::{DateTime, Duration, NaiveDateTime, Timelike};
use serde_json::{Map, Value};
use webui_api::analytics::{
    AnalyticsQuery, ComparisonStatsEntry, DailyStatsEntry, DailyStatsQuery, DailyStatsResponse, Granularity, Metric, ModelAnalyticsEntry,
    ModelAnalyticsResponse, SummaryResponse, TokenUsageEntry, TokenUsageResponse, UserAnalyticsEntry, UserAnalyticsQuery, UserAnalyticsResponse,
};

use crate::context::ServerContext;
use crate::db::analytics::{self as db, Period};
use crate::error::{Error, Result};

fn period(q: &AnalyticsQuery) -> Period<'_> {
    Period { start: q.start_date, end: q.end_date, group_id: q.group_id.as_deref() }
}

/// `GET /api/v1/analytics/summary` (`get_summary`).
pub async fn summary(ctx: &ServerContext, q: &AnalyticsQuery) -> Result<SummaryResponse> {
    let client = ctx.db.get().await?;
    let (total_messages, total_chats, total_models, total_users) = db::summary(&**client, &period(q)).await?;
    Ok(SummaryResponse { total_messages, total_chats, total_models, total_users })
}

/// `GET /api/v1/analytics/models` (`get_model_analytics`): most answers first (ties in the
/// database's order, as Python's stable sort keeps them).
pub async fn models(ctx: &ServerContext, q: &AnalyticsQuery) -> Result<ModelAnalyticsResponse> {
    let client = ctx.db.get().await?;
    let mut models: Vec<ModelAnalyticsEntry> = db::per_model(&**client, &period(q))
        .await?
        .into_iter()
        .map(|(model_id, count, unique_users, unique_chats)| ModelAnalyticsEntry { model_id, count, unique_users, unique_chats })
        .collect();
    models.sort_by_key(|m| -m.count);
    Ok(ModelAnalyticsResponse { models })
}

/// `GET /api/v1/analytics/users` (`get_user_analytics`): the top `limit` users by answers, or
/// by tokens then answers.
pub async fn users(ctx: &ServerContext, q: &UserAnalyticsQuery) -> Result<UserAnalyticsResponse> {
    let client = ctx.db.get().await?;
    let p = Period { start: q.start_date, end: q.end_date, group_id: q.group_id.as_deref() };
    let mut rows = db::per_user(&**client, &p).await?;
    let tokens = q.metric == Metric::Tokens;
    rows.sort_by_key(|(_, i, o, n, _)| (if tokens { -(i + o) } else { -n }, -n));
    // Python's `[:limit]`: a negative limit drops that many from the end.
    let limit = q.limit.unwrap_or(50);
    let keep = if limit >= 0 { (limit as usize).min(rows.len()) } else { rows.len().saturating_sub(limit.unsigned_abs() as usize) };
    rows.truncate(keep);
    let users = rows
        .into_iter()
        .map(|(user_id, i, o, n, who)| {
            let (name, email) = who.map_or((None, None), |(n, e)| (Some(n), Some(e)));
            UserAnalyticsEntry { user_id, name, email, count: n, input_tokens: i, output_tokens: o, total_tokens: i + o }
        })
        .collect();
    Ok(UserAnalyticsResponse { users })
}

/// `GET /api/v1/analytics/tokens` (`get_token_usage`): most tokens first, and the totals.
pub async fn tokens(ctx: &ServerContext, q: &AnalyticsQuery) -> Result<TokenUsageResponse> {
    let client = ctx.db.get().await?;
    let mut models: Vec<TokenUsageEntry> = db::tokens_per_model(&**client, &period(q))
        .await?
        .into_iter()
        .map(|(model_id, input_tokens, output_tokens, message_count)| TokenUsageEntry {
            model_id,
            input_tokens,
            output_tokens,
            total_tokens: input_tokens + output_tokens,
            message_count,
        })
        .collect();
    models.sort_by_key(|m| -m.total_tokens);
    let total_input_tokens = models.iter().map(|m| m.input_tokens).sum();
    let total_output_tokens = models.iter().map(|m| m.output_tokens).sum();
    Ok(TokenUsageResponse { models, total_input_tokens, total_output_tokens, total_tokens: total_input_tokens + total_output_tokens })
}

fn minutes(g: Granularity) -> i64 {
    match g {
        Granularity::TenMinutes => 10,
        Granularity::Hourly => 60,
        Granularity::ThreeHours => 180,
        Granularity::SixHours => 360,
        Granularity::Daily => 1440,
    }
}

/// `_normalize_timestamp`: milliseconds read as seconds; outside 2020..now+1 day (or absent):
/// now.
fn normalize(ts: Option<i64>, now: f64) -> f64 {
    let Some(t) = ts else { return now };
    let t = if t > 10_000_000_000 { t as f64 / 1000.0 } else { t as f64 };
    if t < 1_577_836_800.0 || t > now + 86_400.0 {
        now
    } else {
        t
    }
}

/// `datetime.fromtimestamp(seconds)` (UTC).
fn local(seconds: f64) -> NaiveDateTime {
    let secs = seconds.floor() as i64;
    let nanos = ((seconds - secs as f64) * 1e9) as u32;
    DateTime::from_timestamp(secs, nanos).unwrap_or_default().naive_utc()
}

/// `bucket_start`: the start of the bucket of a timestamp shifted by `offset`.
fn bucket_start(ts: Option<i64>, offset: i64, step: i64, now: f64) -> NaiveDateTime {
    let d = local(normalize(ts, now) + offset as f64);
    let m = (d.hour() as i64 * 60 + d.minute() as i64) / step * step;
    d.date().and_hms_opt((m / 60) as u32, (m % 60) as u32, 0).unwrap_or(d)
}

/// `get_usage_over_time_by_model`: `{bucket: {model: value}}` in first-seen order, every bucket
/// of a bounded period present.
async fn over_time(ctx: &ServerContext, p: &Period<'_>, g: Granularity, metric: Metric, offset: i64) -> Result<Map<String, Value>> {
    let now = chrono::Utc::now().timestamp_micros() as f64 / 1e6;
    let step = minutes(g);
    let format = if g == Granularity::Daily { "%Y-%m-%d" } else { "%Y-%m-%d %H:%M" };
    let tokens = metric == Metric::Tokens;
    let client = ctx.db.get().await?;
    let rows: Vec<(String, String, i64)> = if g == Granularity::Daily {
        db::per_day(&**client, p, tokens, "UTC", offset, now).await?
    } else {
        db::answers(&**client, p, tokens)
            .await?
            .into_iter()
            .map(|(ts, model, v)| (bucket_start(ts, offset, step, now).format(format).to_string(), model, v))
            .collect()
    };
    let mut counts: Map<String, Value> = Map::new();
    for (date, model, v) in rows {
        let bucket = counts.entry(date).or_insert_with(|| Value::Object(Map::new())).as_object_mut().expect("a bucket is an object");
        let sum = bucket.get(&model).and_then(Value::as_i64).unwrap_or(0) + v;
        bucket.insert(model, Value::from(sum));
    }
    if let (Some(start), Some(end)) = (p.start.filter(|s| *s != 0), p.end.filter(|e| *e != 0)) {
        let mut current = bucket_start(Some(start), offset, step, now);
        let end_dt = local(normalize(Some(end), now) + offset as f64);
        while current <= end_dt {
            counts.entry(current.format(format).to_string()).or_insert_with(|| Value::Object(Map::new()));
            current += Duration::minutes(step);
        }
    }
    Ok(counts)
}

/// `datetime.fromtimestamp(t).isoformat()`.
fn iso(t: i64) -> String {
    local(t as f64).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// `GET /api/v1/analytics/daily` (`get_daily_stats`): the buckets in order; with `compare`,
/// each bucket's bounds and the same bucket of the period just before (400 unless the period is
/// bounded).
pub async fn daily(ctx: &ServerContext, q: &DailyStatsQuery) -> Result<DailyStatsResponse> {
    let compare = q.compare.unwrap_or(false);
    let bounded = match (q.start_date, q.end_date) {
        (Some(s), Some(e)) if s <= e => Some((s, e)),
        _ => None,
    };
    if compare && bounded.is_none() {
        return Err(Error::bad_request("Comparison requires a bounded date range"));
    }
    let p = Period { start: q.start_date, end: q.end_date, group_id: q.group_id.as_deref() };
    let counts = over_time(ctx, &p, q.granularity, q.metric, 0).await?;
    let mut entries: Vec<(String, Map<String, Value>)> =
        counts.into_iter().map(|(d, m)| (d, m.as_object().cloned().unwrap_or_default())).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut data: Vec<DailyStatsEntry> =
        entries.into_iter().map(|(date, models)| DailyStatsEntry { date, models, start: None, end: None, previous: None }).collect();
    if let (true, Some((start, end))) = (compare, bounded) {
        // The reference's `datetime.fromtimestamp` fails (its 500) outside years 1 to 9999; here
        // the client's range is refused before any arithmetic on it can overflow.
        const YEARS_1_TO_9999: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;
        if !YEARS_1_TO_9999.contains(&start) || !YEARS_1_TO_9999.contains(&end) {
            return Err(Error::bad_request("Invalid date range"));
        }
        let duration = end - start + 1;
        let prev_period = Period { start: Some(start - duration), end: Some(start - 1), group_id: q.group_id.as_deref() };
        let previous = over_time(ctx, &prev_period, q.granularity, q.metric, duration).await?;
        let step = minutes(q.granularity) * 60;
        for e in &mut data {
            let bucket = NaiveDateTime::parse_from_str(&format!("{} 00:00", e.date), "%Y-%m-%d %H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(&e.date, "%Y-%m-%d %H:%M"))
                .map_err(Error::internal)?;
            let b = bucket.and_utc().timestamp();
            let s = start.max(b);
            let t = (end + 1).min(b + step);
            e.start = Some(iso(s));
            e.end = Some(iso(t));
            e.previous = Some(ComparisonStatsEntry {
                models: previous.get(&e.date).and_then(Value::as_object).cloned().unwrap_or_default(),
                start: iso(s - duration),
                end: iso(t - duration),
            });
        }
    }
    Ok(DailyStatsResponse { data })
}

//! `GET /api/v1/users/usage` (`get_user_usage_by_session_user`): the session user's activity
//! over a period, from `chat_message` and `chat`, days in the user's time zone.

use serde_json::{Map, Value};
use webui_api::{
    UserUsageHeatmapEntry, UserUsageInsights, UserUsageModelEntry, UserUsagePeriod, UserUsageResponse, UserUsageToolEntry,
    UserUsageTotals,
};

use super::SessionUser;
use crate::context::ServerContext;
use crate::db::usage as udb;
use crate::error::{Error, Result};
use crate::app::session::now;

/// The period asked for: `days` (7..=732, checked by the caller), `start_date`, `end_date`
/// (seconds; absent or 0: now).
#[derive(Debug, Default, Clone, Copy)]
pub struct UsageQuery {
    pub days: Option<i64>,
    pub start_date: Option<i64>,
    pub end_date: Option<i64>,
}

/// `_normalize_timestamp`: milliseconds to seconds; `None` or outside 2020..now+1d means now.
fn normalize_ts(ts: Option<i64>) -> i64 {
    let now = now();
    let Some(ts) = ts else { return now };
    let ts = if ts > 10_000_000_000 { ts / 1000 } else { ts };
    if !(1_577_836_800..=now + 86_400).contains(&ts) {
        now
    } else {
        ts
    }
}

/// Python's `os.path.normpath` for a relative POSIX path.
fn normpath(path: &str) -> String {
    let mut comps: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." if comps.last().is_some_and(|l| *l != "..") => {
                comps.pop();
            }
            _ => comps.push(c),
        }
    }
    if comps.is_empty() {
        ".".into()
    } else {
        comps.join("/")
    }
}

/// `zoneinfo.TZPATH` of the reference's Python.
const TZPATH: [&str; 4] = ["/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo"];

/// `_timezone(user.timezone)`: `ZoneInfo(tz or 'UTC')`, UTC when there is no such zone. The keys
/// `ZoneInfo` refuses with a `ValueError` (absolute, not normalised, outside the tz directory, a
/// file that is not TZif), which the reference does not catch, fail here too. A zone with leap
/// seconds (`right/UTC`, which `ZoneInfo` reads and PostgreSQL refuses) carries what
/// `udb::local_dates` needs to give the reference's dates (it was a 500).
fn usage_zone(tz: Option<&str>) -> Result<udb::Zone> {
    let key = tz.filter(|t| !t.is_empty()).unwrap_or("UTC");
    let refused = |why: &str| Err(Error::internal(format!("ZoneInfo({key:?}): {why}")));
    if key.starts_with('/') {
        return refused("keys may not be absolute paths");
    }
    let norm = normpath(key);
    if norm.len() != key.len() {
        return refused("keys must be normalized relative paths");
    }
    if norm == "." || norm == ".." || norm.starts_with("../") {
        return refused("keys must refer to subdirectories of TZPATH");
    }
    for dir in TZPATH {
        let path = std::path::Path::new(dir).join(key);
        if path.is_file() {
            let data = std::fs::read(&path).unwrap_or_default();
            if !data.starts_with(b"TZif") {
                return refused("Invalid TZif file: magic not found");
            }
            let (leaps, last_transition, fixed_after) = tzif_leaps(&data);
            return Ok(udb::Zone { key: key.to_string(), leaps, last_transition, fixed_after });
        }
    }
    Ok(udb::Zone { key: "UTC".into(), ..Default::default() })
}

/// What a TZif file (RFC 8536) says of leap seconds, as `zoneinfo` reads it (the version 2+ block
/// when there is one): its leap-second records (occurrence, correction), its last transition
/// time, and the fixed offset `zoneinfo` keeps after that transition when the file has no POSIX
/// rule in its footer (`ZoneInfo._tz_after = self._ttinfos[-1]`: the `right/` files end at their
/// leap table's expiry with no rule, so `right/America/Los_Angeles` stays on summer time after
/// June 2026). A truncated file gives what could be read.
fn tzif_leaps(data: &[u8]) -> (Vec<(i64, i64)>, Option<i64>, Option<i64>) {
    // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    let counts = |at: usize| -> Option<[usize; 6]> {
        let c = |i: usize| data.get(at + 20 + 4 * i..at + 24 + 4 * i).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        Some([c(0)?, c(1)?, c(2)?, c(3)?, c(4)?, c(5)?])
    };
    let Some(v1) = counts(0) else { return (Vec::new(), None, None) };
    let (header, size) = if data.get(4).is_some_and(|v| *v >= b'2') {
        let [isut, isstd, leap, time, typ, chars] = v1;
        (44 + time * 5 + typ * 6 + chars + leap * 8 + isstd + isut, 8)
    } else {
        (0, 4)
    };
    let Some([isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt]) = counts(header) else { return (Vec::new(), None, None) };
    let body = header + 44;
    let int = |at: usize| -> Option<i64> {
        let b = data.get(at..at + size)?;
        Some(if size == 8 { i64::from_be_bytes(b.try_into().ok()?) } else { i32::from_be_bytes(b.try_into().ok()?) as i64 })
    };
    let last_transition = timecnt.checked_sub(1).and_then(|i| int(body + i * size));
    let leaps_at = body + timecnt * (size + 1) + typecnt * 6 + charcnt;
    let leaps = (0..leapcnt)
        .map_while(|i| {
            let at = leaps_at + i * (size + 4);
            let correction = data.get(at + size..at + size + 4)?;
            Some((int(at)?, i32::from_be_bytes([correction[0], correction[1], correction[2], correction[3]]) as i64))
        })
        .collect();
    // The footer (version 2+): "\n<POSIX TZ rule>\n"; none or an empty rule: the offset of the
    // last transition's type (or of the last type, without transitions) holds for ever after.
    let footer_at = leaps_at + leapcnt * (size + 4) + isstdcnt + isutcnt;
    let rule = match data.get(footer_at) {
        Some(b'\n') if size == 8 => data[footer_at + 1..].split(|b| *b == b'\n').next().unwrap_or_default(),
        _ => &[],
    };
    let fixed_after = if rule.is_empty() {
        let ty = match timecnt.checked_sub(1) {
            Some(i) => data.get(body + timecnt * size + i).map(|t| *t as usize),
            None => typecnt.checked_sub(1),
        };
        ty.and_then(|ty| data.get(body + timecnt * (size + 1) + ty * 6..body + timecnt * (size + 1) + ty * 6 + 4))
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64)
    } else {
        None
    };
    (leaps, last_transition, fixed_after)
}

/// Python's truthiness of a JSON value.
fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Whether `str(item.get('type') or '')` names a tool: contains "tool", or is `function_call`
/// or `function_call_output`. A list or object is `str()`-ed as its Python repr, where a tab
/// becomes `\t` (so "\tool" reads "tool").
fn looks_like_tool(t: &Value) -> bool {
    fn repr_has_tool(v: &Value) -> bool {
        match v {
            Value::String(s) => s.replace('\t', "\\t").contains("tool"),
            Value::Array(a) => a.iter().any(repr_has_tool),
            Value::Object(o) => o.iter().any(|(k, v)| k.replace('\t', "\\t").contains("tool") || repr_has_tool(v)),
            _ => false,
        }
    }
    match t {
        Value::String(s) => s.contains("tool") || s == "function_call" || s == "function_call_output",
        Value::Array(_) | Value::Object(_) => repr_has_tool(t),
        _ => false,
    }
}

/// `_extract_tool_names`: tool names in message `output` / `meta` items.
fn tool_names(value: &Value, names: &mut Vec<String>) {
    fn add(name: Option<&Value>, names: &mut Vec<String>) {
        if let Some(Value::String(s)) = name {
            // `str.strip()`: Unicode whitespace and the separators \x1c-\x1f.
            let cleaned = s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
            if !cleaned.is_empty() && cleaned.chars().count() <= 128 {
                names.push(cleaned.to_string());
            }
        }
    }
    match value {
        Value::Array(items) => items.iter().for_each(|i| tool_names(i, names)),
        Value::Object(item) => {
            if item.get("type").is_some_and(|t| py_truthy(t) && looks_like_tool(t)) {
                let name = item.get("name").filter(|n| py_truthy(n)).or_else(|| item.get("tool_name"));
                add(name, names);
                if let Some(Value::Object(f)) = item.get("function") {
                    add(f.get("name"), names);
                }
            }
            for key in ["tool_calls", "tools", "output", "meta"] {
                if let Some(v) = item.get(key) {
                    tool_names(v, names);
                }
            }
        }
        _ => {}
    }
}

/// Python's `round(x, 1)` (correctly rounded, ties to even on the exact binary value).
fn round1(x: f64) -> f64 {
    format!("{x:.1}").parse().unwrap_or(x)
}

/// Adds `n` to `key` in a first-seen-ordered counter (Python's `Counter`).
fn count_in(counter: &mut Vec<(String, i64)>, key: &str, n: i64) {
    match counter.iter_mut().find(|(k, _)| k == key) {
        Some(e) => e.1 += n,
        None => counter.push((key.to_string(), n)),
    }
}

fn models_obj(v: &[(String, i64)]) -> Map<String, Value> {
    v.iter().map(|(k, n)| (k.clone(), Value::from(*n))).collect()
}

/// One day (or week) of the heatmap: messages, chats, tokens, per-model counts (first-seen order).
#[derive(Default)]
struct Bucket {
    messages: i64,
    chats: i64,
    chat_ids: std::collections::HashSet<String>,
    tokens: i64,
    models: Vec<(String, i64)>,
}

impl Bucket {
    fn entry(&self, date: &str) -> UserUsageHeatmapEntry {
        UserUsageHeatmapEntry {
            date: date.to_string(),
            messages: self.messages,
            chats: self.chats,
            tokens: self.tokens,
            models: models_obj(&self.models),
        }
    }
}

pub async fn own_usage(ctx: &ServerContext, s: &SessionUser, q: &UsageQuery) -> Result<UserUsageResponse> {
    let (days, start, end) = (q.days, q.start_date, q.end_date);
    let period_end = end.filter(|e| *e != 0).unwrap_or_else(now);
    let period_start = match start {
        Some(s) => s,
        None => period_end.saturating_sub((days.filter(|d| *d != 0).unwrap_or(730) - 1).saturating_mul(86400)),
    };
    if period_start > period_end {
        return Err(Error::bad_request("start_date must be before end_date"));
    }
    // Saturating and in floating point: Python's integers do not overflow, and a client's dates can
    // be any 64-bit value (found by tools/fuzz-api: `start_date` or `end_date` -9223372036854775808).
    let period_days = (((period_end as f64 - period_start as f64) / 86400.0) as i64).saturating_add(1).max(1);
    let uid = s.user.id.as_str();
    let mut client = ctx.db.get().await?;
    let db = &**client;

    let lifetime = udb::summary(db, uid, None, None).await?;
    let period = udb::summary(db, uid, Some(period_start), Some(period_end)).await?;
    let zone = usage_zone(s.user.timezone.as_deref())?;
    let times = udb::message_times(db, uid, Some(period_start), Some(period_end)).await?;
    let (total_chats, longest_chat_seconds) = udb::chat_stats(db, uid).await?;
    let rows = udb::daily_rows(db, uid, period_start, period_end).await?;
    let top_models = udb::top_models(db, uid, period_start, period_end, 5).await?;
    let tool_rows = udb::tool_rows(db, uid, period_start, period_end).await?;

    // Every calendar date needed, in one round trip: the period's bounds, then the heatmap's
    // messages, then the active days'.
    let mut stamps = vec![normalize_ts(Some(period_start)), normalize_ts(Some(period_end))];
    stamps.extend(rows.iter().map(|r| normalize_ts(Some(r.created_at))));
    stamps.extend(times.iter().map(|t| normalize_ts(*t)));
    let dates = udb::local_dates(&mut client, &zone, &stamps).await?;
    drop(client);
    let (bounds, rest) = dates.split_at(2);
    let (row_dates, time_dates) = rest.split_at(rows.len());
    let active_days = time_dates.iter().collect::<std::collections::HashSet<_>>().len() as i64;

    // `get_user_daily_usage`.
    let mut daily: std::collections::BTreeMap<String, Bucket> = Default::default();
    for (r, date) in rows.iter().zip(row_dates) {
        let e = daily.entry(date.clone()).or_default();
        e.messages += 1;
        e.chat_ids.insert(r.chat_id.clone());
        if let (true, Some(m)) = (r.role == "assistant", r.model_id.as_deref().filter(|m| !m.is_empty())) {
            count_in(&mut e.models, m, 1);
        }
        if r.usage.as_ref().is_some_and(py_truthy) {
            e.tokens += r.input_tokens.unwrap_or(0) as i64 + r.output_tokens.unwrap_or(0) as i64;
        }
    }
    if let (Ok(mut day), Ok(last)) =
        (chrono::NaiveDate::parse_from_str(&bounds[0], "%Y-%m-%d"), chrono::NaiveDate::parse_from_str(&bounds[1], "%Y-%m-%d"))
    {
        while day <= last {
            daily.entry(day.format("%Y-%m-%d").to_string()).or_default();
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
    }
    for b in daily.values_mut() {
        b.chats = b.chat_ids.len() as i64;
    }
    let heatmap: Vec<_> = daily.iter().map(|(d, b)| b.entry(d)).collect();

    // `_build_weekly_heatmap` (weeks from Monday) and `_build_cumulative_heatmap`.
    use chrono::Datelike;
    let mut weeks: std::collections::BTreeMap<String, Bucket> = Default::default();
    let mut total = Bucket::default();
    let mut cumulative = Vec::new();
    for (d, b) in &daily {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or_default();
        let wk = date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64);
        for acc in [weeks.entry(wk.format("%Y-%m-%d").to_string()).or_default(), &mut total] {
            acc.messages += b.messages;
            acc.chats += b.chats;
            acc.tokens += b.tokens;
            for (m, n) in &b.models {
                count_in(&mut acc.models, m, *n);
            }
        }
        cumulative.push(total.entry(d));
    }
    let weekly: Vec<_> = weeks.iter().map(|(d, b)| b.entry(d)).collect();

    // `_calculate_streaks` over the heatmap.
    let (mut longest_streak, mut run) = (0i64, 0i64);
    for b in daily.values() {
        if b.messages > 0 {
            run += 1;
            longest_streak = longest_streak.max(run);
        } else {
            run = 0;
        }
    }
    let current_streak = daily.values().rev().take_while(|b| b.messages > 0).count() as i64;
    let peak_daily_tokens = daily.values().map(|b| b.tokens).max().unwrap_or(0);

    // `get_user_top_tools`: `Counter.most_common(5)` (ties in first-seen order).
    let mut tools: Vec<(String, i64)> = Vec::new();
    for (output, meta) in &tool_rows {
        for v in [output, meta].into_iter().flatten() {
            let mut names = Vec::new();
            tool_names(v, &mut names);
            for n in names {
                count_in(&mut tools, &n, 1);
            }
        }
    }
    tools.sort_by_key(|t| std::cmp::Reverse(t.1));
    let top_tools = tools.into_iter().take(5).map(|(name, count)| UserUsageToolEntry { name, count }).collect();

    let lifetime_tokens = lifetime.input_tokens + lifetime.output_tokens;
    let (messages, user_messages, assistant_messages) = (period.messages, period.user_messages, period.assistant_messages);
    let ratio = |n: i64, d: i64| if d != 0 { round1(n as f64 / d as f64) } else { 0.0 };
    let share = |n: i64| if messages != 0 { round1(n as f64 / messages as f64 * 100.0) } else { 0.0 };
    Ok(UserUsageResponse {
        totals: UserUsageTotals {
            lifetime_tokens,
            input_tokens: lifetime.input_tokens,
            output_tokens: lifetime.output_tokens,
            peak_daily_tokens,
            longest_chat_seconds,
            current_streak,
            longest_streak,
            total_chats,
            active_days,
            models_used: lifetime.models_used,
            messages,
            user_messages,
            assistant_messages,
        },
        heatmap,
        weekly_heatmap: weekly,
        cumulative_heatmap: cumulative,
        insights: UserUsageInsights {
            most_used_model: top_models.first().map(|m| m.model_id.clone()),
            average_tokens_per_chat: ratio(lifetime_tokens, total_chats),
            average_messages_per_active_day: ratio(messages, active_days),
            user_message_share: share(user_messages),
            assistant_message_share: share(assistant_messages),
        },
        top_models: top_models
            .iter()
            .map(|m| UserUsageModelEntry {
                model_id: m.model_id.clone(),
                messages: m.messages,
                input_tokens: m.input_tokens,
                output_tokens: m.output_tokens,
                total_tokens: m.input_tokens + m.output_tokens,
            })
            .collect(),
        top_tools,
        period: UserUsagePeriod { start_date: period_start, end_date: period_end, days: period_days },
    })
}

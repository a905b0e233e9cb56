//! Concurrent streamed completions: `n` OpenAI-style streaming requests at once, each read event
//! by event as it arrives, timed per stream (first event, last event, events seen), while a
//! sampler reads the backend's memory. Run against the fake upstream directly (the floor) and
//! through each backend's `/api/chat/completions` (an API caller: no `session_id`, so an SSE relay),
//! so the difference is what the relay adds.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

/// What one run saw.
#[derive(Debug, Clone, Default)]
pub struct StreamFigures {
    /// Streams that ended with `[DONE]` after at least two events.
    pub ok: usize,
    /// Streams refused, cut short, or past the time limit.
    pub errors: usize,
    /// Median time from sending the request to its first event (ms).
    pub first_event_ms: f64,
    /// Median time between consecutive events of a stream (ms): its last event's time less its
    /// first's, over the gaps between them.
    pub per_event_ms: f64,
    /// Median events per complete stream.
    pub events: usize,
    /// Sending the first request to the end of the last stream (s).
    pub wall_s: f64,
    /// Highest memory sample during the run (kB), when a sampler was given.
    pub peak_kb: u64,
    /// The first error seen, for the notes.
    pub first_error: Option<String>,
}

struct One {
    first_ms: f64,
    last_ms: f64,
    events: usize,
    done: bool,
    error: Option<String>,
}

async fn one(c: &reqwest::Client, url: &str, token: Option<&str>, body: &serde_json::Value, limit: Duration) -> One {
    let t = Instant::now();
    let mut o = One { first_ms: 0.0, last_ms: 0.0, events: 0, done: false, error: None };
    let mut req = c.post(url).json(body);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    let read = async {
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Some(format!("send: {e}")),
        };
        if !resp.status().is_success() {
            let s = resp.status();
            let text = resp.text().await.unwrap_or_default();
            return Some(format!("HTTP {s}: {}", text.chars().take(200).collect::<String>()));
        }
        let mut body = resp.bytes_stream();
        let mut buf: Vec<u8> = Vec::new();
        while let Some(piece) = body.next().await {
            let piece = match piece {
                Ok(p) => p,
                Err(e) => return Some(format!("read: {e}")),
            };
            buf.extend_from_slice(&piece);
            while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&line);
                let Some(data) = line.trim().strip_prefix("data:") else { continue };
                if data.trim() == "[DONE]" {
                    o.done = true;
                    continue;
                }
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if o.events == 0 {
                    o.first_ms = ms;
                }
                o.last_ms = ms;
                o.events += 1;
            }
        }
        None
    };
    match tokio::time::timeout(limit, read).await {
        Ok(e) => o.error = e,
        Err(_) => o.error = Some(format!("no end after {limit:?}")),
    }
    if o.error.is_none() && (!o.done || o.events < 2) {
        o.error = Some(format!("ended without [DONE] after {} events", o.events));
    }
    o
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `n` streams at once to `url` (a chat completions endpoint) for `model`, with `sample` (the
/// backend's memory in kB) read every 100 ms until they end.
pub async fn run(
    url: &str,
    token: Option<&str>,
    model: &str,
    n: usize,
    limit: Duration,
    sample: Option<Box<dyn Fn() -> u64 + Send + Sync>>,
) -> StreamFigures {
    let c = reqwest::Client::builder().pool_max_idle_per_host(n).build().expect("http client");
    let body = json!({"model": model, "stream": true, "messages": [{"role": "user", "content": "load stream"}]});
    let running = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = sample.map(|f| {
        let (running, peak) = (running.clone(), peak.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(f(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let t = Instant::now();
    let all: Vec<One> = futures::future::join_all((0..n).map(|_| one(&c, url, token, &body, limit))).await;
    let wall_s = t.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    if let Some(s) = sampler {
        let _ = s.await;
    }
    let ok: Vec<&One> = all.iter().filter(|o| o.error.is_none()).collect();
    let mut events: Vec<usize> = ok.iter().map(|o| o.events).collect();
    events.sort_unstable();
    StreamFigures {
        ok: ok.len(),
        errors: all.len() - ok.len(),
        first_event_ms: median(ok.iter().map(|o| o.first_ms).collect()),
        per_event_ms: median(ok.iter().map(|o| (o.last_ms - o.first_ms) / (o.events - 1) as f64).collect()),
        events: events.get(events.len() / 2).copied().unwrap_or(0),
        wall_s,
        peak_kb: peak.load(Ordering::Relaxed),
        first_error: all.iter().find_map(|o| o.error.clone()),
    }
}

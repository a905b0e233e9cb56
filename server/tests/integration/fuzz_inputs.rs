//! The cargo-fuzz targets (`server/fuzz/targets.rs`) on stable: every corpus file under
//! `server/fuzz/corpus/<target>/`, then mutated and random inputs (`OWUI_FUZZ_ITERS`, default
//! 2000 per target; `OWUI_FUZZ_SEED` to vary the run). Coverage-guided fuzzing is
//! `tools/fuzz-targets` (nightly).

#[path = "../../fuzz/targets.rs"]
mod targets;

use rand::{Rng, SeedableRng};

fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = crate::common::repo_root().join("server/fuzz/corpus").join(name);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

/// Dictionary of tokens that matter to these parsers.
const TOKENS: &[&[u8]] = &[
    b"{", b"}", b"[", b"]", b"\"", b":", b",", b"null", b"true", b"1e999", b"-0", b"\\u0000", b"\\ud800", b"\n",
    b";", b"=", b"token=", b"Bearer ", b"sk-", b".", b"eyJ", b"w", b"ms", b"-", b"://", b"@", b"%", b"?", b"&",
    b"host=", b"port=", b"\xff", b"\xe2\x82\xac",
];

fn mutate(rng: &mut impl Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = if seeds.is_empty() || rng.gen_bool(0.1) {
        (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect()
    } else {
        seeds[rng.gen_range(0..seeds.len())].clone()
    };
    for _ in 0..rng.gen_range(1..6) {
        let at = if v.is_empty() { 0 } else { rng.gen_range(0..=v.len()) };
        match rng.gen_range(0..7) {
            0 if !v.is_empty() => {
                let i = rng.gen_range(0..v.len());
                v[i] = rng.gen();
            }
            1 => {
                let t = TOKENS[rng.gen_range(0..TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            2 if at < v.len() => {
                let end = rng.gen_range(at..=v.len());
                v.drain(at..end);
            }
            3 => v.truncate(at),
            4 if !seeds.is_empty() => {
                let other = &seeds[rng.gen_range(0..seeds.len())];
                let from = rng.gen_range(0..=other.len());
                v.splice(at..at, other[from..].iter().copied());
            }
            5 => {
                let t = TOKENS[rng.gen_range(0..TOKENS.len())];
                let n = rng.gen_range(1..200);
                v.splice(at..at, t.iter().copied().cycle().take(t.len() * n));
            }
            _ => v.insert(at.min(v.len()), rng.gen()),
        }
    }
    v
}

fn run(name: &str, target: fn(&[u8])) {
    let seeds = corpus(name);
    let iters: usize = std::env::var("OWUI_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let seed: u64 = std::env::var("OWUI_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let inputs = seeds.clone().into_iter().chain((0..iters).map(|_| mutate(&mut rng, &seeds)));
    for input in inputs {
        let r = std::panic::catch_unwind(|| target(&input));
        if r.is_err() {
            panic!("fuzz target {name} panicked on {:?} (bytes {:02x?})", String::from_utf8_lossy(&input), input);
        }
    }
}

#[test]
fn json_body() {
    run("json_body", targets::json_body);
}

#[test]
fn token() {
    run("token", targets::token);
}

#[test]
fn jwt_expires_in() {
    run("jwt_expires_in", targets::jwt_expires_in);
}

#[test]
fn database_url() {
    run("database_url", targets::database_url);
}

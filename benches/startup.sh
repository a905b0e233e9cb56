#!/usr/bin/env bash
# benches/startup.sh: start-up time and idle memory of the Rust server (embedded PostgreSQL whose
# cluster already exists) and, with --reference, of the Python reference on PostgreSQL.
#
#   benches/startup.sh [--reference] [--runs N]
#
# Prints, per run: milliseconds from exec to the first `{"status":true}` from /health, then
# after 5 s idle (one /api/config call before): RSS and PSS of the server process, and PSS of the
# embedded PostgreSQL's processes (postmaster and children). PSS shares shared memory fairly
# between processes; RSS counts it in every one of them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
runs=3; ref=0
while [[ $# -gt 0 ]]; do case "$1" in --reference) ref=1; shift ;; --runs) runs="$2"; shift 2 ;; -h|--help) sed -n '2,10p' "$0"; exit 0 ;; *) echo "unknown $1" >&2; exit 2 ;; esac; done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/owui-rs/target}"
cargo build -q --release -p server
BIN="$CARGO_TARGET_DIR/release/server"
DATA="$(mktemp -d /tmp/owui-bench.XXXXXX)"
PORT=18090
pss() { awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_healthy() { until curl -sf "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"status":true'; do sleep 0.005; done; }

# First start creates the cluster; not measured.
DATA_DIR="$DATA" HOST=127.0.0.1 PORT=$PORT "$BIN" 2>/dev/null & pid=$!; wait_healthy $PORT; kill -TERM $pid; wait $pid
for i in $(seq "$runs"); do
    t0=$(now_ms); DATA_DIR="$DATA" HOST=127.0.0.1 PORT=$PORT "$BIN" 2>/dev/null & pid=$!
    wait_healthy $PORT; t1=$(now_ms)
    curl -sf "http://127.0.0.1:$PORT/api/config" >/dev/null; sleep 5
    pg=$(pgrep -f "postgres -D $DATA/postgres/data" | head -1); pgpss=0
    for p in $pg $(pgrep -P "$pg"); do pgpss=$(( pgpss + $(pss "$p") )); done
    echo "rust run $i: start->healthy $((t1 - t0)) ms; server RSS $(awk '/VmRSS/{print $2}' /proc/$pid/status) kB, PSS $(pss $pid) kB; embedded PostgreSQL PSS $pgpss kB"
    kill -TERM $pid; wait $pid
done
rm -rf "$DATA"

if [[ $ref == 1 ]]; then
    PG="$(mktemp -d /tmp/owui-bench-pg.XXXXXX)"; url="$(tools/pgcluster start "$PG")"
    psql -q "$url/postgres" -c "CREATE DATABASE bench" >/dev/null
    RD="$(mktemp -d /tmp/owui-bench-ref.XXXXXX)"
    # First start runs the reference's migrations; not measured.
    tools/reference start --data-dir "$RD" --port 18091 --database-url "$url/bench" >/dev/null; tools/reference stop --data-dir "$RD"
    for i in $(seq "$runs"); do
        t0=$(now_ms); tools/reference start --data-dir "$RD" --port 18091 --database-url "$url/bench" >/dev/null; t1=$(now_ms)
        curl -sf "http://127.0.0.1:18091/api/config" >/dev/null; sleep 5
        rp=$(cat "$RD/reference.pid"); tot=0; rss=0
        for p in $rp $(pgrep -P "$rp"); do tot=$(( tot + $(pss "$p") )); rss=$(( rss + $(awk '/VmRSS/{print $2}' /proc/$p/status) )); done
        echo "reference run $i: start->healthy $((t1 - t0)) ms (includes tools/reference's polling, 0.5 s granularity); python RSS $rss kB, PSS $tot kB"
        tools/reference stop --data-dir "$RD"
    done
    tools/pgcluster stop "$PG" >/dev/null; rm -rf "$PG" "$RD"
fi

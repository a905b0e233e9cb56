#!/usr/bin/env bash
# benches/load.sh: the side-by-side load run (src/bin/load.rs) of our server and the Python reference.
#
#   benches/load.sh [--duration 10] [--connections 16] [--users 50] [--chats 200] [--groups 50]
#                   [--models 200] [--out FILE] [--no-reference]
#
# Installs wrk (Debian) and the reference venv if missing (idempotent), builds our server in release,
# then runs the measurement: one PostgreSQL cluster, a database per backend, both seeded the same way
# through their APIs, each route loaded on ours then on the reference. Prints a markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/owui-rs/target}"
command -v wrk >/dev/null || { echo "benches/load.sh: installing wrk" >&2; apt-get install -y wrk >/dev/null; }
[[ " $* " == *" --no-reference "* ]] || tools/reference ensure >/dev/null
cargo build -q --release -p server
exec cargo run -q --release -p benches --bin load -- "$@"

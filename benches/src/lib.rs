//! Benchmarks live in `benches/benches/`; load-run recipes in `benches/README.md`.

//! Request latency through the whole stack (HTTP over loopback, dropshot, the pool, PostgreSQL)
//! for the routes served today. Run: `cargo bench -p benches`.

use criterion::{criterion_group, criterion_main, Criterion};
use server::testing::TestServer;

fn routes(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = rt.block_on(TestServer::start());
    let client = reqwest::Client::new();
    let mut group = c.benchmark_group("http");
    for path in ["/health", "/health/db", "/api/version", "/api/config"] {
        let url = format!("{}{path}", server.url);
        group.bench_function(path, |b| {
            b.to_async(&rt).iter(|| async {
                let r = client.get(&url).send().await.unwrap();
                assert!(r.status().is_success());
                r.bytes().await.unwrap()
            })
        });
    }
    group.finish();
    drop(server);
}

criterion_group!(benches, routes);
criterion_main!(benches);

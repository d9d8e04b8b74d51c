//! Seal and open of secret values, 64 B and 64 KiB, against a baseline
//! measured in the same run: bare AES-256-GCM on the same bytes, without
//! varvault's format and associated data. `cargo bench --features ssr
//! --bench crypto`; figures in BENCHMARKS.md.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use varvault::model::{ValueVersion, VariableId, WorkspaceId};
use varvault::server::infra::crypto::aead::{open_value, seal_value, secret_aad};
use varvault::server::infra::crypto::DataKey;

fn seal_and_open(c: &mut Criterion) {
    let bytes = [9u8; 32];
    let key = DataKey::from_bytes(bytes);
    let cipher = Aes256Gcm::new(&bytes.into());
    let nonce = [7u8; 12];
    for size in [64usize, 64 * 1024] {
        let plain = vec![b'x'; size];
        let aad = secret_aad(WorkspaceId(1), VariableId(42), ValueVersion(3));
        let sealed = seal_value(&key, &plain, &aad);
        let bare = cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
            .unwrap();

        let mut group = c.benchmark_group(format!("{size} bytes"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("baseline", "bare aes-gcm encrypt"), |b| {
            b.iter(|| cipher.encrypt(Nonce::from_slice(&nonce), black_box(plain.as_slice())))
        });
        group.bench_function(BenchmarkId::new("varvault", "seal"), |b| {
            b.iter(|| seal_value(&key, black_box(&plain), &aad))
        });
        group.bench_function(BenchmarkId::new("baseline", "bare aes-gcm decrypt"), |b| {
            b.iter(|| cipher.decrypt(Nonce::from_slice(&nonce), black_box(bare.as_slice())))
        });
        group.bench_function(BenchmarkId::new("varvault", "open"), |b| {
            b.iter(|| open_value(&key, black_box(&sealed), &aad))
        });
        group.finish();
    }
}

criterion_group!(benches, seal_and_open);
criterion_main!(benches);

//! Screening an answer (SPEC §5): a 1 MiB body against a workspace of
//! 1,000 secrets of 40 bytes, one of them sent by the run. Baseline in the
//! same run: reading the same body's views into a sink that only counts.
//! Also: the fingerprint set's memory, and whether the time depends on
//! what the body holds (a body of one secret's 7-character prefixes
//! against a random one of the same size and alphabet).
//! `cargo bench --features ssr --bench redaction`; figures in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::sync::Arc;
use varvault::model::VariableId;
use varvault::server::infra::crypto::SecretValue;
use varvault::server::rules::redaction::views::{self, Sink, Units};
use varvault::server::rules::redaction::{Fingerprints, HashKey, Screen, Source};

const BODY: usize = 1024 * 1024;
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$*";

fn random_text(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn screen(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let secrets: Vec<(String, SecretValue)> = (0..1000)
        .map(|i| {
            (
                format!("SECRET_{i}"),
                SecretValue::new(random_text(&mut rng, 40)),
            )
        })
        .collect();
    let build = || {
        Fingerprints::build(
            HashKey::random(),
            1,
            secrets.iter().enumerate().map(|(i, (name, value))| Source {
                id: VariableId(i as i64),
                name,
                value,
            }),
        )
    };
    let set = Arc::new(build());
    println!(
        "fingerprint set: {} for 1,000 secrets of 40 bytes",
        set.memory_bytes()
    );
    let sent = [(VariableId(0), "SECRET_0", &secrets[0].1)];
    let s = Screen::new(set.clone(), &sent);

    // Random text with spaces, and a JSON-ish body quoting the sent
    // secret now and then.
    let random = random_text(&mut rng, BODY);
    // One secret's 7-character prefix and each extension, as an upstream
    // testing guesses would answer; and the same of a string that is no
    // secret's: the time must not tell them apart.
    let mut extensions = |prefix: &str| -> String {
        std::iter::repeat_with(|| {
            format!(
                "{prefix}{}",
                ALPHABET[rng.gen_range(0..ALPHABET.len())] as char
            )
        })
        .take(BODY / 8)
        .collect()
    };
    let right = extensions(&secrets[1].1.expose()[..7]);
    let wrong = extensions(&random_text(&mut rand::rngs::StdRng::seed_from_u64(9), 7));
    let mut json = String::with_capacity(BODY);
    while json.len() < BODY {
        json.push_str(&format!(
            "{{\"id\":{},\"note\":\"{}\",\"token\":\"{}\"}},",
            rng.gen::<u32>(),
            random_text(&mut rng, 60),
            if rng.gen_bool(0.01) {
                secrets[0].1.expose()
            } else {
                "none"
            }
        ));
    }

    let mut group = c.benchmark_group("1 MiB body, 1,000 secrets");
    group.throughput(Throughput::Bytes(BODY as u64));
    group.sample_size(10);
    // Baseline: reading the views alone (decoding escapes, base64 and
    // hex at every alignment) into a sink that only counts.
    struct Count(usize);
    impl Sink for Count {
        fn begin(&mut self, _: Units) {}
        fn push(&mut self, _: char, _: u32, _: u32) {
            self.0 += 1;
        }
    }
    group.bench_function(
        BenchmarkId::new("baseline", "views of the random body"),
        |b| {
            b.iter(|| {
                let mut n = Count(0);
                views::scan(black_box(&random), &mut n);
                n.0
            })
        },
    );
    for (what, body) in [
        ("random", &random),
        ("a secret's 7-character prefix, extended", &right),
        ("another 7-character prefix, extended", &wrong),
        ("JSON", &json),
    ] {
        group.bench_function(BenchmarkId::new("screen", what), |b| {
            // As a run does: one pass, then the text to show and what is
            // left of any secret.
            b.iter(|| {
                let scan = s.scan(black_box(body));
                let shown = s.redacted(&scan, body, body.len());
                (shown.len(), s.leaked_in(&scan, body.len()))
            })
        });
    }
    group.bench_function(BenchmarkId::new("build", "fingerprint set"), |b| {
        b.iter(build)
    });
    group.finish();
}

criterion_group!(benches, screen);
criterion_main!(benches);

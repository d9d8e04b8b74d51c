//! The properties the fuzz targets in `fuzz/` check (cargo-fuzz runs them
//! for minutes, see `fuzz/run.sh`; `cargo test` replays their saved corpus
//! and regressions). Each takes raw bytes and panics when a property of
//! the guarded code breaks: these are oracles, not "does not crash".
//!
//! Compiled only for tests and fuzzing (`--cfg fuzzing`).

mod host_patterns;
mod placement;
mod redactor;
mod template;

pub use host_patterns::host_patterns;
pub use placement::placement;
pub use redactor::redactor;
pub use template::template;

/// Splits fuzz input into `n` strings at 0xFF bytes (never valid UTF-8).
pub(crate) fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0xFF)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Replays every saved input of a target: the seeds and the inputs
    /// that once failed (both in git), and the corpus a local `fuzz/run.sh`
    /// grew, when there is one (not in git: it is megabytes).
    fn replay(target: &str, check: fn(&[u8])) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut n = 0;
        for dir in ["seeds", "regressions", "corpus"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let result = std::panic::catch_unwind(|| check(&data));
                assert!(result.is_ok(), "{} fails", path.display());
                n += 1;
            }
        }
        assert!(n > 0, "no saved inputs for {target}");
    }

    #[test]
    fn template_corpus() {
        replay("template", super::template);
    }

    #[test]
    fn placement_corpus() {
        replay("placement", super::placement);
    }

    #[test]
    fn redactor_corpus() {
        replay("redactor", super::redactor);
    }

    #[test]
    fn host_patterns_corpus() {
        replay("host_patterns", super::host_patterns);
    }
}

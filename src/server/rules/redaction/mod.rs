//! Redaction and withholding of what an upstream answers (SPEC §5). The
//! answer is read in views (`views`: as it is, escapes decoded, base64
//! and hex decoded); the whole values of the secrets a run sent are
//! replaced where they stand (`screen`); and if anything of any secret of
//! the workspace is left, a window of its value (`windows`) found by its
//! fingerprint (`fingerprints`, `roller`), the answer is withheld.

pub mod cache;
#[cfg(test)]
pub mod corpus_tests;
pub mod escapes;
pub mod fingerprints;
pub mod pass;
pub mod pem;
pub mod roller;
pub mod screen;
pub mod views;
pub mod windows;

pub use cache::FingerprintCache;
pub use fingerprints::{Fingerprints, Seen, Source};
pub use pass::Scan;
pub use roller::HashKey;
pub use screen::{Screen, MARGIN};

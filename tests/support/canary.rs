//! Known secret values, and the check that none of their forms is in a
//! text.

pub const RESTRICTED_CANARY: &str = "canary-restricted-7f3a9c";
pub const MASKED_CANARY: &str = "canary-masked-41d2e8";

/// Fails if `haystack` holds `canary` raw, in base64 (both alphabets, with
/// or without padding) or URL-encoded.
pub fn assert_no_canary(haystack: &str, canary: &str) {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let forms = [
        canary.to_string(),
        STANDARD.encode(canary),
        STANDARD_NO_PAD.encode(canary),
        URL_SAFE.encode(canary),
        URL_SAFE_NO_PAD.encode(canary),
    ];
    for form in forms {
        assert!(
            !haystack.contains(&form),
            "found {form:?} (a form of the canary)"
        );
    }
}

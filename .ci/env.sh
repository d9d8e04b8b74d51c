# Sourced by every script in .ci/: the one build environment shared by the
# scripts, `cargo test`, clippy and `cargo leptos watch`, so no command
# recompiles what another just built (a mismatch costs ~300 crates).
# The same values stand in .cargo/config.toml for plain cargo commands.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$root/end2end/node_modules/.bin:$PATH"
export LEPTOS_OUTPUT_NAME=varvault
export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_SITE_PKG_DIR=pkg
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

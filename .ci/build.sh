#!/usr/bin/env bash
# Builds the site (WASM bundle, CSS, public files) into target/site and the
# server binary. Without cargo-leptos, the same steps it takes:
#   .ci/build.sh            bundle in wasm-release, server in debug (tests)
#   .ci/build.sh --release  bundle in wasm-release, server in release (run)
#   WASM_PROFILE=dev .ci/build.sh   quicker, larger bundle while developing
# The server binary of the test run comes from `cargo test --no-run`
# (see test.sh), so it is built once, with the test features.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

server_profile=dev
build_server=1
for arg in "$@"; do
  case "$arg" in
    --release) server_profile=release ;;
    --site-only) build_server=0 ;;
    *) echo "usage: $0 [--release] [--site-only]" >&2; exit 2 ;;
  esac
done
wasm_profile="${WASM_PROFILE:-wasm-release}"
wasm_dir="$wasm_profile"; [ "$wasm_profile" = dev ] && wasm_dir=debug

site="$LEPTOS_SITE_ROOT"
pkg="$site/$LEPTOS_SITE_PKG_DIR"
mkdir -p "$pkg"

echo "==> browser bundle ($wasm_profile)"
cargo build --lib --target wasm32-unknown-unknown --no-default-features \
  --features hydrate --profile "$wasm_profile"
wasm="target/wasm32-unknown-unknown/$wasm_dir/varvault.wasm"

# wasm-bindgen and wasm-opt take ~20 s: skip them when the module and the
# profile are the same as last time.
stamp="$pkg/.built-from"
want_stamp="$wasm_profile $(stat -c %Y "$wasm")"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ] || [ ! -f "$pkg/varvault.wasm" ]; then
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name varvault "$wasm"
  mv "$pkg/varvault_bg.wasm" "$pkg/varvault.wasm"
  if [ "$wasm_profile" != dev ]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types \
      --enable-multivalue -o "$pkg/varvault.opt.wasm" "$pkg/varvault.wasm"
    mv "$pkg/varvault.opt.wasm" "$pkg/varvault.wasm"
  fi
  echo "$want_stamp" > "$stamp"
fi

echo "==> styles and public files"
cp style/main.css "$pkg/varvault.css"
cp -R public/. "$site/"

# Served as-is by the static file handler when the browser accepts them.
for f in "$pkg"/varvault.js "$pkg"/varvault.wasm "$pkg"/varvault.css; do
  gzip -9 -k -f "$f"
  if command -v brotli >/dev/null; then brotli -q 11 -f -k "$f"; fi
done

if [ "$build_server" = 1 ]; then
  echo "==> server ($server_profile)"
  cargo build --bin varvault --features ssr --profile "$server_profile"
fi

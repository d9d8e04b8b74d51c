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

# One WASM bundle per kind of page: the bundle-* features of Cargo.toml,
# which a test holds equal to app::Bundle::ALL. They share one profile,
# so each build replaces the last one's artifact: a bundle is rebuilt
# only when the sources changed since it was made (the stamp holds a hash
# of them).
sources=$( { find src -type f; echo Cargo.toml Cargo.lock .cargo/config.toml; } | sort |
  xargs sha256sum | sha256sum | cut -c1-16)
bundles=$(sed -n 's/^bundle-\([a-z]*\) = .*/\1/p' Cargo.toml)
for bundle in $bundles; do
  out="$pkg/varvault_$bundle.wasm"
  stamp="$pkg/.built-$bundle"
  want_stamp="$wasm_profile $sources"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want_stamp" ] && [ -f "$out" ]; then
    echo "==> [${SECONDS}s] browser bundle $bundle: up to date"
    continue
  fi
  echo "==> [${SECONDS}s] browser bundle $bundle ($wasm_profile)"
  cargo build --lib --target wasm32-unknown-unknown --no-default-features \
    --features "bundle-$bundle" --profile "$wasm_profile"
  wasm="target/wasm32-unknown-unknown/$wasm_dir/varvault.wasm"
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name "varvault_$bundle" "$wasm"
  mv "$pkg/varvault_${bundle}_bg.wasm" "$out"
  # The glue JS, minified (esbuild from npm, installed by setup.sh).
  esbuild --minify --format=esm --log-level=warning "$pkg/varvault_$bundle.js" \
    --outfile="$pkg/varvault_$bundle.min.js"
  mv "$pkg/varvault_$bundle.min.js" "$pkg/varvault_$bundle.js"
  if [ "$wasm_profile" != dev ]; then
    # -Os after rustc's opt-level z compresses smaller than -Oz (measured).
    wasm-opt -Os --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types \
      --enable-multivalue -o "$out.opt" "$out"
    mv "$out.opt" "$out"
  fi
  echo "$want_stamp" > "$stamp"
done
rm -f "$pkg"/varvault.js "$pkg"/varvault.wasm "$pkg"/varvault.*.gz "$pkg"/varvault.*.br "$pkg"/.built-from

echo "==> [${SECONDS}s] styles and public files"
# Minified (esbuild, as the glue JS): comments and spaces cost every page
# bytes that the first-load budgets do not have.
esbuild --minify --log-level=warning style/main.css --outfile="$pkg/varvault.css"
esbuild --minify --log-level=warning style/workflows.css --outfile="$pkg/workflows.css"
cp -R public/. "$site/"
for js in public/*.js; do
  esbuild --minify --format=esm --log-level=warning "$js" --outfile="$site/$(basename "$js")" --allow-overwrite
done

# Served as they are by the static file handler when the browser accepts
# them: brotli and gzip made by a crate, not whichever tools are installed.
echo "==> [${SECONDS}s] compressed copies"
cargo build -q -p precompress --release
target/release/precompress "$pkg"/*.js "$pkg"/*.wasm "$pkg"/*.css "$site"/*.js

if [ "$build_server" = 1 ]; then
  echo "==> [${SECONDS}s] server ($server_profile)"
  cargo build --bin varvault --features ssr --profile "$server_profile"
fi

#!/usr/bin/env bash
# Fuzzes the guards of restricted secrets: each target for SECONDS (default
# 600) on the nightly toolchain, starting from the seeds in git
# (fuzz/seeds/<target>), then minimises what it grew into fuzz/corpus/<target>
# (local, not in git; `cargo test` replays seeds, regressions and, when there,
# this corpus). A crash is saved under fuzz/artifacts/<target>/; copy it to
# fuzz/regressions/<target>/ once fixed.
#   fuzz/run.sh [SECONDS] [TARGET...]
# No sanitizer: the guarded code is safe Rust; coverage guidance stays on.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(template placement redactor host_patterns)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# FUZZ_JOBS=N runs N processes per target (each logs to fuzz-K.log).
parallel=()
[ "${FUZZ_JOBS:-1}" -gt 1 ] && parallel=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
for t in "${targets[@]}"; do
  echo "==> $t for ${secs}s"
  mkdir -p "corpus/$t" "artifacts/$t"
  cargo +nightly fuzz run --sanitizer none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -max_len=4096 -timeout=10 "${parallel[@]}" \
    -print_final_stats=1 2>&1 | tee "artifacts/$t.log" | grep -E "^(#[0-9]+.*(DONE|pulse)|stat::|==|SUMMARY|Done)" || true
  echo "==> minimising the corpus of $t"
  cargo +nightly fuzz cmin --sanitizer none "$t" "corpus/$t" >/dev/null 2>&1
  echo "    $(ls "corpus/$t" | wc -l) inputs kept"
done

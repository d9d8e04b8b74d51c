#!/usr/bin/env bash
# Clients that leave mid-request must not wedge the database (issue: cancellation-safe writes).
# Starts varvault on a fresh database, runs ROUNDS rounds of wrk (which drops its open
# connections when it stops) against list_variables, reveal_secret and create_variable,
# then checks that a sign-in and a reveal succeed at once.
#   bench/wrk-disconnect.sh [BINARY]     (default target/debug/varvault)
# Env: ROUNDS (3), SECONDS_PER_RUN (2), VARVAULT_DATABASE_URL (default: a fresh SQLite file).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/target/debug/varvault}"
rounds="${ROUNDS:-3}"
secs="${SECONDS_PER_RUN:-2}"
command -v wrk >/dev/null || { echo "wrk is not installed (bash .ci/setup.sh installs it)" >&2; exit 2; }
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
db="${VARVAULT_DATABASE_URL:-sqlite://$work/varvault.db}"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$work" && VARVAULT_DATABASE_URL="$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$work" RUST_LOG=warn exec "$bin" serve) >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

post() { # name, form, [extra curl args]
  local name=$1 form=$2; shift 2
  curl -fsS -m 5 -b "$work/jar" -c "$work/jar" -H "Origin: $base" -X POST \
    --data "$form" "$@" "$base/api/$name"
}
post setup_owner 'email=owner%40example.com&name=Owner&password=owner-password-1234&workspace_name=Acme+Support' >/dev/null
post create_variable 'workspace=acme-support&kind=secret&name=TOKEN&value=wrk-disconnect-value&visibility=masked' >/dev/null
cookie=$(awk '$6 ~ /varvault_session/ {print $6"="$7}' "$work/jar")

cat >"$work/post.lua" <<LUA
local name, body = os.getenv("VV_NAME"), os.getenv("VV_BODY")
local counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
local tag = math.random(1, 1000000000)
request = function()
  counter = counter + 1
  local b = body:gsub("UNIQUE", tag .. "_" .. counter)
  return wrk.format("POST", "/api/" .. name, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = "$base",
    ["Cookie"] = "$cookie",
  }, b)
end
LUA
for round in $(seq 1 "$rounds"); do
  for call in "list_variables|workspace=acme-support" \
              "reveal_secret|workspace=acme-support&id=1" \
              "create_variable|workspace=acme-support&kind=plain&name=W_UNIQUE&value=x"; do
    VV_NAME="${call%%|*}" VV_BODY="${call#*|}" wrk -t2 -c32 -d"${secs}s" -s "$work/post.lua" "$base" \
      | awk -v n="${call%%|*}" -v r="$round" '/Requests\/sec/ {print "round " r ": " n " " $2 " req/s"}'
  done
done

fail=0
start=$(date +%s%N)
if post login 'email=owner%40example.com&password=owner-password-1234' -m 3 >/dev/null; then
  echo "sign-in after the rounds: ok in $(( ($(date +%s%N) - start) / 1000000 )) ms"
else
  echo "sign-in after the rounds FAILED" >&2; fail=1
fi
start=$(date +%s%N)
if post reveal_secret 'workspace=acme-support&id=1' -m 3 | grep -q wrk-disconnect-value; then
  echo "reveal after the rounds: ok in $(( ($(date +%s%N) - start) / 1000000 )) ms"
else
  echo "reveal after the rounds FAILED" >&2; fail=1
fi
if grep -Eq "database is locked|non-zero transaction depth" "$work/server.log"; then
  echo "the server log shows a wedged database:" >&2; grep -E "locked|transaction depth" "$work/server.log" | head -5 >&2; fail=1
fi
exit $fail

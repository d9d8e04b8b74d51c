#!/usr/bin/env python3
"""Two instances on one PostgreSQL behind HAProxy (round robin, no sticky
sessions), 50 simulated users for --seconds, one instance killed and
restarted midway, and one `rotate-workspace-key` while it all runs.

Each user signs in once, then loops over a mix of: list variables, reveal a
masked secret, create / update / delete a secret of their own, run an API
block (a restricted secret sent to a local upstream), sign in again, and
(every tenth user) add and remove a member. At the end it prints requests,
errors by kind, p50/p99 per operation, and a consistency check: every
acknowledged write present (every acknowledged delete absent), every secret
decrypts (`varvault check`), and acknowledged <= audited <= acknowledged +
in flight for creates.

  bench/cluster.py [--seconds 60] [--users 50] [--postgres URL] [--no-build]

Installs haproxy from Debian when it is missing; needs a release build
(made first unless --no-build) and the site (`.ci/build.sh --release`).
"""

import argparse
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/varvault")
SITE = os.path.join(ROOT, "target/site")
WS = "cluster"
PASSWORD = "cluster-password-1234"
MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Upstream(http.server.BaseHTTPRequestHandler):
    """The API blocks' target: answers 200 to anything."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}')

    def log_message(self, *args):
        pass


class Instance:
    def __init__(self, name, database_url, public_url, workdir):
        self.name, self.port = name, free_port()
        self.env = dict(
            os.environ,
            VARVAULT_DATABASE_URL=database_url,
            LEPTOS_SITE_ADDR=f"127.0.0.1:{self.port}",
            LEPTOS_SITE_ROOT=SITE,
            VARVAULT_MASTER_KEY=MASTER_KEY,
            VARVAULT_PUBLIC_URL=public_url,
            VARVAULT_TRUSTED_PROXIES="127.0.0.1",
            VARVAULT_ALLOW_PRIVATE_NETWORKS="true",
            RUST_LOG="warn",
        )
        self.log = open(os.path.join(workdir, f"{name}.log"), "a")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        sys.exit(f"instance {self.name} did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Client:
    """One user's browser: its own cookie, through the load balancer."""

    def __init__(self, port, origin):
        self.port, self.origin, self.cookie = port, origin, ""

    def call(self, name, form=None, body_json=None):
        headers = {"Origin": self.origin}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body_json is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body_json)
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("POST", f"/api/{name}", body=body, headers=headers)
        res = c.getresponse()
        text = res.read().decode("utf-8", "replace")
        for cookie in res.headers.get_all("set-cookie") or []:
            if not cookie.startswith("varvault_session="):
                continue
            # A removal (empty value) forgets the cookie, as a browser does.
            pair = cookie.split(";", 1)[0]
            self.cookie = "" if pair.endswith("=") else pair
        c.close()
        return res.status, text

    def ok(self, name, form=None, body_json=None):
        status, text = self.call(name, form, body_json)
        if status >= 400:
            sys.exit(f"{name}: {status} {text[:200]}")
        return text


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = Counter()
        self.created, self.deleted, self.in_flight_creates = set(), set(), 0
        self.updated = {}

    def record(self, op, ms, error=None):
        with self.lock:
            self.latency[op].append(ms)
            if error:
                self.errors[f"{op}: {error}"] += 1


def user_loop(i, lb, origin, stop_at, stats, masked_id, block_id):
    me = Client(lb, origin)
    email = f"user{i}@example.com"
    mine = []  # (name, id) of secrets this user created and not deleted
    n = 0

    def timed(op, fn):
        started = time.perf_counter()
        try:
            status, text = fn()
            error = None if status < 400 else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as e:
            status, text, error = 0, "", type(e).__name__
        stats.record(op, (time.perf_counter() - started) * 1000, error)
        if status == 401 and op != "sign-in":
            # Signed out: a sign-in whose answer was lost with the killed
            # instance had already replaced the session. A browser lands
            # on /login; so does this user.
            timed("sign-in", lambda: me.call("login", {"email": email, "password": PASSWORD}))
        return status, text

    timed("sign-in", lambda: me.call("login", {"email": email, "password": PASSWORD}))
    while time.time() < stop_at:
        n += 1
        roll = random.random()
        if roll < 0.35:
            timed("list", lambda: me.call("list_variables", {"workspace": WS}))
        elif roll < 0.50:
            timed("reveal", lambda: me.call("reveal_secret", {"workspace": WS, "id": masked_id}))
        elif roll < 0.62:
            name = f"U{i}_{n}"
            form = {"workspace": WS, "kind": "secret", "name": name,
                    "value": f"value-{name}-0001", "visibility": "masked"}
            status, text = timed("create", lambda: me.call("create_variable", form))
            if status == 200:
                mine.append((name, json.loads(text)["id"]))
                with stats.lock:
                    stats.created.add(name)
            elif status == 0 or status >= 500:
                with stats.lock:
                    stats.in_flight_creates += 1
        elif roll < 0.72 and mine:
            name, vid = random.choice(mine)
            value = f"value-{name}-{n:04}"
            status, _ = timed("update", lambda: me.call(
                "update_variable", {"workspace": WS, "id": vid, "value": value}))
            if status == 200:
                with stats.lock:
                    stats.updated[name] = value
        elif roll < 0.77 and mine:
            name, vid = mine.pop(random.randrange(len(mine)))
            status, _ = timed("delete", lambda: me.call(
                "delete_variable", {"workspace": WS, "id": vid}))
            if status == 200:
                with stats.lock:
                    stats.deleted.add(name)
        elif roll < 0.90:
            timed("run block", lambda: me.call("run_block", {"workspace": WS, "id": block_id}))
        elif roll < 0.95:
            timed("sign-in", lambda: me.call("login", {"email": email, "password": PASSWORD}))
        elif i % 10 == 0:
            other = f"temp{i}_{n}@example.com"
            status, _ = timed("member add", lambda: me.call("add_member", {
                "workspace": WS, "email": other, "name": "Temp", "role": "editor",
                "initial_password": PASSWORD}))
            if status == 200:
                _, text = timed("member list", lambda: me.call("list_members", {"workspace": WS}))
                try:
                    uid = next(m["user_id"] for m in json.loads(text)["members"]
                               if m["email"] == other)
                    timed("member remove", lambda: me.call(
                        "remove_member", {"workspace": WS, "user_id": uid}))
                except (ValueError, StopIteration, KeyError):
                    pass


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--postgres", default=os.environ.get(
        "VARVAULT_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not shutil.which("haproxy"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "haproxy"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if not args.no_build:
        subprocess.run(["bash", os.path.join(ROOT, ".ci/build.sh"), "--release"], check=True)

    workdir = tempfile.mkdtemp(prefix="varvault-cluster-")
    db_name = f"vvcluster_{os.getpid()}"
    subprocess.run(["psql", "-q", "-d", args.postgres, "-c", f'CREATE DATABASE "{db_name}"'],
                   check=True)
    database_url = args.postgres.rsplit("/", 1)[0] + "/" + db_name
    lb_port, up_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{lb_port}"
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", up_port), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    a = Instance("a", database_url, origin, workdir)
    b = Instance("b", database_url, origin, workdir)
    haproxy = None
    try:
        a.start()
        b.start()
        cfg = os.path.join(workdir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(f"""global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    option forwardfor
    # A refused connection (the killed instance, before its health check
    # fails) is retried on the other server: only requests in flight on
    # the killed instance may fail.
    retries 3
    option redispatch 1
frontend web
    bind 127.0.0.1:{lb_port}
    default_backend app
backend app
    balance roundrobin
    option httpchk GET /healthz
    server a 127.0.0.1:{a.port} check inter 500ms fall 1 rise 2
    server b 127.0.0.1:{b.port} check inter 500ms fall 1 rise 2
""")
        haproxy = subprocess.Popen(["haproxy", "-f", cfg], stdout=subprocess.DEVNULL,
                                   stderr=open(os.path.join(workdir, "haproxy.log"), "w"))
        time.sleep(1.5)

        owner = Client(lb_port, origin)
        owner.ok("setup_owner", {"email": "owner@example.com", "name": "Owner",
                                 "password": PASSWORD, "workspace_name": "Cluster"})
        for i in range(args.users):
            owner.ok("add_member", {"workspace": WS, "email": f"user{i}@example.com",
                                    "name": f"User {i}", "role": "admin",
                                    "initial_password": PASSWORD})
        masked_id = json.loads(owner.ok("create_variable", {
            "workspace": WS, "kind": "secret", "name": "SHARED", "value": "shared-value-0001",
            "visibility": "masked"}))["id"]
        owner.ok("create_variable", {
            "workspace": WS, "kind": "secret", "name": "UPSTREAM_TOKEN",
            "value": "upstream-token-0001", "visibility": "restricted",
            "allowed_hosts": "127.0.0.1"})
        workflow = int(owner.ok("create_workflow", {"workspace": WS, "name": "Cluster"}))
        block = json.loads(owner.ok("add_block", {"workspace": WS, "workflow_id": workflow}))
        block_id = block["block"]["id"]
        owner.ok("save_block", body_json={"workspace": WS, "block": {
            "id": block_id, "name": "Ping", "method": "GET",
            "url": f"http://127.0.0.1:{up_port}/ping", "query": [],
            "headers": [{"name": "Authorization", "value": "Bearer {{secret:UPSTREAM_TOKEN}}"}],
            "body": ""}})

        stats = Stats()
        started = time.time()
        stop_at = started + args.seconds
        users = [threading.Thread(target=user_loop, args=(
            i, lb_port, origin, stop_at, stats, masked_id, block_id)) for i in range(args.users)]
        for u in users:
            u.start()
        events = []
        time.sleep(args.seconds / 3)
        a.kill()
        events.append(f"{time.time() - started:.0f} s: SIGKILL instance a")
        time.sleep(5)
        a.start()
        events.append(f"{time.time() - started:.0f} s: instance a restarted")
        time.sleep(max(0.0, started + 2 * args.seconds / 3 - time.time()))
        rot = subprocess.run([BIN, "rotate-workspace-key", WS], env=b.env,
                             capture_output=True, text=True)
        events.append(f"{time.time() - started:.0f} s: rotate-workspace-key exit {rot.returncode}"
                      + (f": {rot.stderr.strip()[-200:]}" if rot.returncode else ""))
        for u in users:
            u.join()
        elapsed = time.time() - started

        # Consistency.
        variables = json.loads(owner.ok("list_variables", {"workspace": WS}))["variables"]
        stored = {v["name"] for v in variables}
        lost = sorted(stats.created - stats.deleted - stored)
        resurrected = sorted(stats.deleted & stored)
        check = subprocess.run([BIN, "check"], env=b.env, capture_output=True, text=True)
        audited = int(subprocess.run(
            ["psql", "-At", "-d", database_url, "-c",
             "SELECT COUNT(*) FROM audit_log WHERE action = 'secret.created' "
             "AND target_name LIKE 'U%'"],
            capture_output=True, text=True).stdout.strip() or -1)

        total = sum(len(v) for v in stats.latency.values())
        errors = sum(stats.errors.values())
        print(f"machine: {os.cpu_count()} cores; {args.users} users for {elapsed:.0f} s; "
              f"2 instances behind HAProxy round robin on PostgreSQL")
        for e in events:
            print(f"  {e}")
        print(f"requests: {total} ({total / elapsed:.0f}/s), errors: {errors}")
        for kind, n in stats.errors.most_common():
            print(f"  {n:6}  {kind}")
        print("| operation | requests | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        for op, values in sorted(stats.latency.items()):
            print(f"| {op} | {len(values)} | {statistics.median(values):.1f} | "
                  f"{pct(values, 99):.1f} |")
        acked = len(stats.created)
        print(f"creates acknowledged {acked}, audited {audited}, "
              f"in flight at errors {stats.in_flight_creates}")
        print(f"lost acknowledged writes: {len(lost)} {lost[:5]}; "
              f"deleted but present: {len(resurrected)}")
        print(f"varvault check: exit {check.returncode}: {check.stdout.strip()[:200]}")
        ok = (not lost and not resurrected and check.returncode == 0
              and acked <= audited <= acked + stats.in_flight_creates)
        print("consistency:", "OK" if ok else "FAILED")
        for inst in (a, b):
            inst.log.flush()
            with open(inst.log.name) as f:
                plain = (re.sub(r"\x1b\[[0-9;]*m", "", line) for line in f)
                kinds = Counter(re.sub(r"^\S+\s+", "", line).strip()[:140]
                                for line in plain if " ERROR " in line or " WARN " in line)
            for line, n in kinds.most_common(4):
                print(f"  log {inst.name}: {n} x {line}")
        sys.exit(0 if ok else 1)
    finally:
        if haproxy:
            haproxy.terminate()
        a.stop()
        b.stop()
        upstream.shutdown()
        subprocess.run(["psql", "-q", "-d", args.postgres, "-c",
                        f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'])
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

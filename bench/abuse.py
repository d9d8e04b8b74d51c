#!/usr/bin/env python3
"""Abuse bench (issue 23): does the server keep answering while it is abused?

Starts the release server on a fresh SQLite file (or --postgres URL) with
private networks allowed and 127.0.0.1 trusted as a proxy (so attackers can
come from addresses of their own), a local upstream that reads whatever it
is sent, and for --seconds:

  - 20 editors each run an API block posting a 1 MiB body, in a loop
    (runs in flight are capped per member and per instance);
  - 20 attackers guess the owner's password, each from its own address;
  - /healthz is sampled every 50 ms;
  - every 5 s the owner signs in from the browser it signed in with before
    (a device cookie), and a new browser tries too.

Baseline in the same run: /healthz sampled the same way before the abuse.
Prints p50/p99 of /healthz idle and under abuse, the owner's sign-in times,
and how the runs and guesses were answered.

  bench/abuse.py [--seconds 20] [--postgres URL] [--no-build]
"""

import argparse
import http.client
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402  (the Server class and the build)

OWNER = "owner@example.com"
PASSWORD = load.PASSWORD


class Upstream(http.server.BaseHTTPRequestHandler):
    """Reads the body whole and answers its length."""

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        data = self.rfile.read(length)
        body = json.dumps({"received": len(data)}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Browser:
    """A client with its own cookies, optionally from another address."""

    def __init__(self, base, forwarded_for=None):
        self.base, self.forwarded_for, self.cookies = base, forwarded_for, {}

    def post(self, name, form=None, body_json=None):
        headers = {"Origin": f"http://{self.base}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        if body_json is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body_json)
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form or {})
        conn = http.client.HTTPConnection(self.base, timeout=60)
        conn.request("POST", f"/api/{name}", body=body, headers=headers)
        res = conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        for cookie in res.headers.get_all("set-cookie") or []:
            pair = cookie.split(";", 1)[0]
            key, _, value = pair.partition("=")
            if value and "Max-Age=0" not in cookie:
                self.cookies[key] = value
            else:
                self.cookies.pop(key, None)
        conn.close()
        return res.status, text


def healthz(base):
    started = time.perf_counter()
    conn = http.client.HTTPConnection(base, timeout=30)
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    conn.close()
    return (time.perf_counter() - started) * 1000


def sample_healthz(base, seconds):
    out, stop = [], time.perf_counter() + seconds
    while time.perf_counter() < stop:
        out.append(healthz(base))
        time.sleep(0.05)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--postgres")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(["bash", os.path.join(load.ROOT, ".ci/build.sh"), "--release"], check=True)

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    up = f"127.0.0.1:{upstream.server_address[1]}"

    workdir = tempfile.mkdtemp(prefix="varvault-abuse-")
    pg_name = None
    if args.postgres:
        pg_name = f"vvbench_abuse_{os.getpid()}"
        subprocess.run(["psql", "-q", "-d", args.postgres, "-c", f'CREATE DATABASE "{pg_name}"'],
                       check=True)
        database_url = args.postgres.rsplit("/", 1)[0] + "/" + pg_name
    else:
        database_url = f"sqlite://{workdir}/abuse.db"
    os.environ["VARVAULT_ALLOW_PRIVATE_NETWORKS"] = "true"
    os.environ["VARVAULT_TRUSTED_PROXIES"] = "127.0.0.1"
    server = load.Server(database_url, workdir)
    base = server.base
    try:
        owner = Browser(base, "198.51.100.1")
        status, text = owner.post("setup_owner", {
            "email": OWNER, "name": "Owner", "password": PASSWORD, "workspace_name": "Bench"})
        assert status < 400, text
        owner.post("logout")
        status, text = owner.post("login", {"email": OWNER, "password": PASSWORD})
        assert status < 400, text
        assert "varvault_device" in owner.cookies, "the owner's browser has a device cookie"
        body = "x" * (1024 * 1024 - 16)
        editors = []
        for i in range(20):
            email = f"editor{i}@example.com"
            status, text = owner.post("add_member", {
                "workspace": load.WS, "email": email, "name": f"Editor {i}",
                "initial_password": PASSWORD, "role": "editor"})
            assert status < 400, text
            editor = Browser(base, f"198.51.100.{10 + i}")
            status, text = editor.post("login", {"email": email, "password": PASSWORD})
            assert status < 400, text
            status, wf = editor.post("create_workflow", {"workspace": load.WS, "name": f"Flow {i}"})
            status, view = editor.post("add_block", {"workspace": load.WS, "workflow_id": wf})
            block = json.loads(view)["block"]
            block.update({"method": "POST", "url": f"http://{up}/upload", "body": body})
            status, text = editor.post("save_block", body_json={"workspace": load.WS, "block": block})
            assert status < 400, text[:200]
            editors.append((editor, block["id"]))
        owner.post("logout")

        idle = sample_healthz(base, 5)
        stop = time.perf_counter() + args.seconds
        runs, guesses, lock = {}, {}, threading.Lock()

        def count(table, key):
            with lock:
                table[key] = table.get(key, 0) + 1

        def editor_loop(editor, block_id):
            while time.perf_counter() < stop:
                status, _ = editor.post("run_block", {"workspace": load.WS, "id": block_id})
                count(runs, status)

        def attacker_loop(i):
            browser = Browser(base, f"203.0.113.{i}")
            while time.perf_counter() < stop:
                status, text = browser.post("login", {"email": OWNER, "password": "guess-guess-guess"})
                count(guesses, "too many attempts" if "Too many attempts" in text else status)

        threads = [threading.Thread(target=editor_loop, args=e) for e in editors]
        threads += [threading.Thread(target=attacker_loop, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        sign_ins, strangers = [], []
        health = []
        next_sign_in = time.perf_counter() + 5
        while time.perf_counter() < stop:
            health.append(healthz(base))
            if time.perf_counter() >= next_sign_in:
                started = time.perf_counter()
                status, _ = owner.post("login", {"email": OWNER, "password": PASSWORD})
                sign_ins.append(((time.perf_counter() - started) * 1000, status))
                owner.post("logout")
                status, text = Browser(base, "198.51.100.200").post(
                    "login", {"email": OWNER, "password": PASSWORD})
                strangers.append("too many attempts" if "Too many attempts" in text else status)
                next_sign_in += 5
            time.sleep(0.05)
        for t in threads:
            t.join()
        print(f"## abuse, {'PostgreSQL' if args.postgres else 'SQLite'}, {args.seconds:.0f} s")
        print("| /healthz | samples | p50 ms | p99 ms |")
        print("|---|---|---|---|")
        for label, values in [("idle (baseline)", idle), ("under abuse", health)]:
            print(f"| {label} | {len(values)} | {statistics.median(values):.1f} | "
                  f"{percentile(values, 99):.1f} |")
        print("owner's sign-ins from its browser (ms, status):",
              ", ".join(f"{ms:.0f} ({s})" for ms, s in sign_ins))
        print("a new browser's sign-ins meanwhile:", strangers)
        print("runs answered:", dict(sorted((str(k), v) for k, v in runs.items())))
        print("guesses answered:", dict(sorted((str(k), v) for k, v in guesses.items())))
        print(f"RSS right after: {server.rss_mib():.1f} MiB")
        for later in (10, 30):
            time.sleep(later - (10 if later > 10 else 0))
            print(f"RSS {later} s later, idle: {server.rss_mib():.1f} MiB")
    finally:
        server.stop()
        upstream.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            subprocess.run(["psql", "-q", "-d", args.postgres, "-c",
                            f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'])


if __name__ == "__main__":
    main()

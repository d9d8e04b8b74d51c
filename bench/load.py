#!/usr/bin/env python3
"""Load bench of the release server, with the binary's own ceiling beside it.

For each database (a fresh SQLite file; PostgreSQL with --postgres URL) and
each size (--secrets, default 100 and 10000 secrets), it starts
`target/release/varvault serve` with VARVAULT_BENCH_CEILING=true, measures
the time to ready, seeds the workspace over HTTP, signs in, then runs wrk
(16 connections) against:

  ceiling  GET /bench/ceiling        a bare handler of the same binary,
                                     outside every layer
  list     POST /api/list_variables  the Variables panel's first page (50)
  search   the same, searched ("secret_0"), from a cursor
  expiring the same, "Expiring soon" (1 secret in 10 has a date)
  reveal   POST /api/reveal_secret   a masked secret (an audited write)
  page     GET /w/{ws}/variables     the page, rendered on the server

and prints req/s, p50 and p99 (medians of --runs runs), each as a ratio to
the ceiling, the resident memory idle and after the load, and the first-load
weight of each page (brotli as served: HTML plus the files it references).

  bench/load.py [--secrets 100,10000] [--seconds 10] [--runs 3]
                [--connections 16] [--postgres URL] [--no-build]

Needs wrk (Debian) and a release build (made first unless --no-build).
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/varvault")
SITE = os.path.join(ROOT, "target/site")
WS = "bench"
PASSWORD = "bench-password-1234"
# A fixed master key: the bench's data is throwaway.
MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url, workdir):
        self.port = free_port()
        self.base = f"127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            VARVAULT_DATABASE_URL=database_url,
            LEPTOS_SITE_ADDR=self.base,
            LEPTOS_SITE_ROOT=SITE,
            VARVAULT_BENCH_CEILING="true",
            VARVAULT_MASTER_KEY=MASTER_KEY,
            RUST_LOG="warn",
        )
        self.log = open(os.path.join(workdir, "server.log"), "w")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [BIN, "serve"], cwd=workdir, env=env, stdout=self.log, stderr=self.log
        )
        while True:
            try:
                status, _, _ = self.request("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.perf_counter() - started > 30:
                sys.exit(f"the server did not start; see {self.log.name}")
            time.sleep(0.002)
        self.ready_ms = (time.perf_counter() - started) * 1000
        self.cookie = ""

    def request(self, method, path, body=None, headers=None, raw=False):
        conn = http.client.HTTPConnection(self.base, timeout=60)
        h = {"Origin": f"http://{self.base}"}
        if self.__dict__.get("cookie"):
            h["Cookie"] = self.cookie
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body)
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, res.headers, data if raw else data.decode("utf-8", "replace")

    def call(self, name, form):
        status, headers, text = self.request("POST", f"/api/{name}", form)
        if status >= 400:
            sys.exit(f"{name}: {status} {text[:200]}")
        for cookie in headers.get_all("set-cookie") or []:
            if cookie.startswith("varvault_session="):
                self.cookie = cookie.split(";", 1)[0]
        return text

    def rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def seed(server, secrets):
    server.call(
        "setup_owner",
        {"email": "bench@example.com", "name": "Bench", "password": PASSWORD,
         "workspace_name": "Bench"},
    )

    def create(i):
        visibility = "masked" if i % 2 == 0 else "restricted"
        form = {"workspace": WS, "kind": "secret", "name": f"SECRET_{i:05}",
                "value": f"bench-secret-value-{i:05}", "visibility": visibility,
                "description": "Seeded by bench/load.py"}
        if visibility == "restricted":
            form["allowed_hosts"] = "api.example.com"
        if i % 10 == 0:
            # One in ten expires within 40 days: the "expiring" filter's rows.
            day = time.gmtime(time.time() + (i % 40) * 86400)
            form["expires_on"] = time.strftime("%Y-%m-%d", day)
        return json.loads(server.call("create_variable", form))["id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, range(secrets)))
    workflow = int(server.call("create_workflow", {"workspace": WS, "name": "Bench"}))
    for _ in range(3):
        server.call("add_block", {"workspace": WS, "workflow_id": workflow})
    return ids[0], workflow


def wrk(server, method, path, body, seconds, connections):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    headers = {"Origin": f"http://{server.base}", "Cookie": server.cookie,
               "Accept": "text/html", "Accept-Encoding": "br"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    lua.write(f"wrk.method = {json.dumps(method)}\n")
    if body:
        lua.write(f"wrk.body = {json.dumps(urllib.parse.urlencode(body))}\n")
    for k, v in headers.items():
        lua.write(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n")
    lua.write("""
errors = 0
response = function(status, headers, body)
  if status >= 400 then errors = errors + 1 end
end
""")
    lua.close()
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name,
         f"http://{server.base}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(lua.name)
    return parse_wrk(out, path)


def parse_wrk(out, path):
    """wrk --latency's output: (req/s, p50 ms, p99 ms); exits on error answers."""

    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"{path}: {non2xx.group(1)} error answers under load")
    return rps, latency(50), latency(99)


def page_weight(server, path):
    status, _, html = server.request("GET", path, headers={"Accept": "text/html"})
    if status != 200:
        return None
    total = len(server.request("GET", path, headers={"Accept": "text/html",
                                                      "Accept-Encoding": "br"}, raw=True)[2])
    for href in re.findall(r'<link[^>]*href="([^"]+)"', html):
        total += len(server.request("GET", href, headers={"Accept-Encoding": "br"}, raw=True)[2])
    return total


def fresh_database(backend, postgres, workdir, n):
    if backend == "SQLite":
        return f"sqlite://{workdir}/bench.db", None
    name = f"vvbench_{os.getpid()}_{n}"
    subprocess.run(["psql", "-q", "-d", postgres, "-c", f'CREATE DATABASE "{name}"'], check=True)
    return postgres.rsplit("/", 1)[0] + "/" + name, name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--secrets", default="100,10000")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--postgres", default=os.environ.get("VARVAULT_BENCH_POSTGRES_URL", ""))
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk, or bash .ci/setup.sh)")
    if not args.no_build:
        subprocess.run(["bash", os.path.join(ROOT, ".ci/build.sh"), "--release"], check=True)
    backends = ["SQLite"] + (["PostgreSQL"] if args.postgres else [])
    print(f"machine: {os.cpu_count()} cores; {args.connections} connections, "
          f"{args.seconds} s per run, medians of {args.runs} runs")
    for backend in backends:
        for n in [int(x) for x in args.secrets.split(",")]:
            workdir = tempfile.mkdtemp(prefix="varvault-bench-")
            url, pg_name = fresh_database(backend, args.postgres, workdir, n)
            server = Server(url, workdir)
            try:
                started = time.perf_counter()
                masked_id, workflow = seed(server, n)
                seeded = time.perf_counter() - started
                if pg_name:
                    # What autovacuum does within a minute of a bulk load:
                    # without statistics, PostgreSQL plans the 10,000-row
                    # table as if it held a handful of rows (a scan and a
                    # sort instead of walking the name index).
                    pg_url = args.postgres.rsplit("/", 1)[0] + "/" + pg_name
                    subprocess.run(["psql", "-q", "-d", pg_url, "-c", "ANALYZE"], check=True)
                time.sleep(2)
                rss_idle = server.rss_mib()
                targets = [
                    ("ceiling", "GET", "/bench/ceiling", None),
                    ("list", "POST", "/api/list_variables", {"workspace": WS}),
                    ("search", "POST", "/api/list_variables",
                     {"workspace": WS, "search": "secret_0", "after": "secret_00500"}),
                    ("expiring", "POST", "/api/list_variables",
                     {"workspace": WS, "filter": "expiring"}),
                    ("reveal", "POST", "/api/reveal_secret", {"workspace": WS, "id": masked_id}),
                    ("page", "GET", f"/w/{WS}/variables", None),
                ]
                results = {}
                for label, method, path, body in targets:
                    runs = [wrk(server, method, path, body, args.seconds, args.connections)
                            for _ in range(args.runs)]
                    results[label] = tuple(statistics.median(r[i] for r in runs) for i in range(3))
                rss_after = server.rss_mib()
                print(f"\n## {backend}, {n} secrets (seeded in {seeded:.1f} s)")
                print(f"ready after start: {server.ready_ms:.0f} ms; RSS idle {rss_idle:.1f} MiB, "
                      f"after the load {rss_after:.1f} MiB")
                c_rps, c_p50, c_p99 = results["ceiling"]
                print("| target | req/s | p50 ms | p99 ms | req/s vs ceiling | p99 vs ceiling |")
                print("|---|---|---|---|---|---|")
                for label, (rps, p50, p99) in results.items():
                    print(f"| {label} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | "
                          f"{rps / c_rps:.3f} | {p99 / c_p99:.1f}x |")
                print("first load (brotli as served):")
                for path in ["/login", f"/w/{WS}/variables", f"/w/{WS}/workflows",
                             f"/w/{WS}/workflows/{workflow}", f"/w/{WS}/members", f"/w/{WS}/audit"]:
                    weight = page_weight(server, path) if path != "/login" else None
                    if path == "/login":
                        saved, server.cookie = server.cookie, ""
                        weight = page_weight(server, path)
                        server.cookie = saved
                    print(f"  {path}: {weight / 1024:.1f} KB" if weight else f"  {path}: -")
            finally:
                server.stop()
                shutil.rmtree(workdir, ignore_errors=True)
                if pg_name:
                    subprocess.run(["psql", "-q", "-d", args.postgres, "-c",
                                    f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What the MCP layer costs: the same request to a local upstream, sent
three ways in one run against the release server, with wrk (16
connections each):

  block    POST /api/run_block       a saved API block, as the workflow
                                     editor runs it (session cookie)
  mcp-run  POST /mcp tools/call      the same block through MCP's run_block
  mcp-http POST /mcp tools/call      the same request through http_request
                                     (checked as a block is saved, then run)

Each sends a restricted secret in an Authorization header to a small HTTP
server on 127.0.0.1 (in this process) and screens its answer. Prints p50
and p99 (medians of --runs runs) and each MCP row's difference from the
block row at p50: the budget is 1 ms.

  bench/mcp.py [--seconds 5] [--runs 3] [--connections 16] [--postgres URL]
               [--no-build]
"""

import argparse
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402  (the release server and wrk, shared)

SECRET = "mcp-bench-secret-value-0123456789"


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per answer, sent at once: otherwise Nagle and delayed ACKs
    # add 40 ms to every request and hide what is measured.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def do_GET(self):
        body = b'{"ok":true,"items":[1,2,3]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def wrk_json(server, path, payload, headers, seconds, connections):
    """wrk with a JSON body and the given headers: (rps, p50, p99)."""
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write('wrk.method = "POST"\n')
    lua.write(f"wrk.body = {json.dumps(json.dumps(payload))}\n")
    for k, v in headers.items():
        lua.write(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n")
    lua.write("""
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"isError":true', 1, true) then
    wrk.thread:stop()
    io.stderr:write("bad answer: " .. status .. " " .. string.sub(body, 1, 300) .. "\\n")
  end
end
""")
    lua.close()
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name,
         f"http://{server.base}{path}"],
        capture_output=True, text=True, check=True,
    )
    os.unlink(lua.name)
    if "bad answer" in out.stderr:
        sys.exit(out.stderr[:500])
    return load.parse_wrk(out.stdout, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--postgres")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["bash", os.path.join(load.ROOT, ".ci/build.sh"), "--release"], check=True)

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    up_url = f"http://127.0.0.1:{upstream.server_address[1]}/items"

    backends = ["SQLite"] + (["PostgreSQL"] if args.postgres else [])
    for backend in backends:
        workdir = tempfile.mkdtemp(prefix="varvault-mcp-bench-")
        url, dbname = load.fresh_database(backend, args.postgres, workdir, 0)
        os.environ.update(VARVAULT_ALLOW_PRIVATE_NETWORKS="true",
                          VARVAULT_MAX_RUNS_PER_MEMBER="64", VARVAULT_MAX_RUNS="64")
        server = load.Server(url, workdir)
        try:
            server.call("setup_owner", {"email": "bench@example.com", "name": "Bench",
                                        "password": load.PASSWORD, "workspace_name": "Bench"})
            server.call("create_variable", {
                "workspace": load.WS, "kind": "secret", "name": "UPSTREAM_TOKEN",
                "value": SECRET, "visibility": "restricted", "allowed_hosts": "127.0.0.1"})
            workflow = int(server.call("create_workflow", {"workspace": load.WS, "name": "Bench"}))
            block = json.loads(server.call("add_block", {"workspace": load.WS,
                                                         "workflow_id": workflow}))
            block_id = block["block"]["id"]
            header = [{"name": "Authorization", "value": "Bearer {{secret:UPSTREAM_TOKEN}}"}]
            saved = {"id": block_id, "name": "Items", "method": "GET", "url": up_url,
                     "query": [], "headers": header, "body": ""}
            # save_block takes JSON (a block is nested), not a form.
            conn_body = json.dumps({"workspace": load.WS, "block": saved})
            c = http.client.HTTPConnection(server.base)
            c.request("POST", "/api/save_block", body=conn_body, headers={
                "Content-Type": "application/json", "Origin": f"http://{server.base}",
                "Cookie": server.cookie})
            res = c.getresponse()
            if res.status != 200:
                sys.exit(f"save_block: {res.status} {res.read()[:200]}")
            res.read()
            token = json.loads(server.call("create_token", {
                "workspace": load.WS, "name": "bench-agent", "scopes": "agent:use"}))["token"]

            mcp_headers = {"Authorization": f"Bearer {token}",
                           "Content-Type": "application/json",
                           "Accept": "application/json, text/event-stream",
                           "MCP-Protocol-Version": "2025-11-25"}
            rows = {"block": [], "mcp-run": [], "mcp-http": []}
            for _ in range(args.runs):
                rows["block"].append(load.wrk(server, "POST", "/api/run_block",
                                              {"workspace": load.WS, "id": block_id},
                                              args.seconds, args.connections))
                rows["mcp-run"].append(wrk_json(server, "/mcp", {
                    "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "run_block", "arguments": {"block_id": block_id}}},
                    mcp_headers, args.seconds, args.connections))
                rows["mcp-http"].append(wrk_json(server, "/mcp", {
                    "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "http_request", "arguments": {
                        "method": "GET", "url": up_url, "headers": header}}},
                    mcp_headers, args.seconds, args.connections))
            med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3))
                   for k, v in rows.items()}
            print(f"\n{backend}: {args.connections} connections, {args.seconds} s x {args.runs} runs"
                  " (medians)")
            print(f"{'':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'p50 - block':>12}")
            for k, (rps, p50, p99) in med.items():
                diff = p50 - med["block"][1]
                print(f"{k:10} {rps:8.0f} {p50:8.2f} {p99:8.2f} {diff:+12.2f}")
        finally:
            server.stop()
            if dbname:
                subprocess.run(["psql", "-q", "-d", args.postgres, "-c",
                                f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'])


if __name__ == "__main__":
    main()

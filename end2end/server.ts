// Starts the built server for the run on a port the system picks (no fixed
// port to collide with another run), waits for its "listening on" line and
// hands the address to the specs through E2E_BASE_URL. Each run gets a fresh
// SQLite file and master key in a temporary directory.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
let server: ChildProcess | undefined;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = process.env.VARVAULT_BIN ?? path.join(root, "target/debug/varvault");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "varvault-e2e-"));
  const log = fs.createWriteStream(path.join(dataDir, "server.log"));
  server = spawn(bin, ["serve"], {
    // data/master.key (the embedded default) is generated here.
    cwd: dataDir,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: "127.0.0.1:0",
      LEPTOS_SITE_ROOT: path.join(root, "target/site"),
      VARVAULT_DATABASE_URL: `sqlite://${path.join(dataDir, "varvault.db")}`,
      RUST_LOG: "info",
      // API block specs call an echo server on 127.0.0.1 (the refusal of
      // private addresses is covered by the integration tests).
      VARVAULT_ALLOW_PRIVATE_NETWORKS: "true",
    },
  });
  const child = server;
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line in 60 s; see ${dataDir}/server.log`)), 60_000);
    let seen = "";
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const m = seen.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening; see ${dataDir}/server.log`));
    });
  });
  process.env.E2E_BASE_URL = address;
  // For a spec that changes what only time would (lifecycle.spec).
  process.env.E2E_DATABASE = path.join(dataDir, "varvault.db");
  return async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  };
}

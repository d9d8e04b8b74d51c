import { defineConfig } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";

// The built server (from .ci/test.sh) with a fresh SQLite file per run,
// in Debian's Chromium: Playwright's own browser download cannot work here.
const port = Number(process.env.E2E_PORT ?? 3310);
const baseURL = `http://127.0.0.1:${port}`;
const bin = process.env.VARVAULT_BIN ?? path.resolve(__dirname, "../target/debug/varvault");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "varvault-e2e-"));

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    command: `"${bin}" serve`,
    // data/master.key (the embedded default) is generated here.
    cwd: dataDir,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.resolve(__dirname, "../target/site"),
      VARVAULT_DATABASE_URL: `sqlite://${path.join(dataDir, "varvault.db")}`,
      RUST_LOG: "info",
      // API block specs call an echo server on 127.0.0.1 (the refusal of
      // private addresses is covered by the integration tests).
      VARVAULT_ALLOW_PRIVATE_NETWORKS: "true",
    },
  },
});

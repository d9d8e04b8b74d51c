import { defineConfig } from "@playwright/test";

// The built server (from .ci/test.sh), started by server.ts on a port the
// system picks, in Debian's Chromium: Playwright's own browser download
// cannot work here. E2E_BASE_URL is set by server.ts before the workers,
// which read this file again, start.
export default defineConfig({
  testDir: "./tests",
  globalSetup: "./server.ts",
  // Files run side by side on two workers (each spec is serial inside and
  // works in its own workspace); accounts.spec runs first and alone, as
  // it sets the shared server up from its first page.
  fullyParallel: false,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
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
  projects: [
    { name: "setup", testMatch: /accounts\.spec\.ts/, use: { browserName: "chromium" } },
    {
      name: "chromium",
      testIgnore: /accounts\.spec\.ts/,
      dependencies: ["setup"],
      use: { browserName: "chromium" },
    },
  ],
});

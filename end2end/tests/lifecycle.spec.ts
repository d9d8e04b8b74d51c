import { execFileSync } from "node:child_process";
import { test, expect, type Page } from "./fixtures";
import {
  createVariable,
  ensureOwner,
  expectNoSeriousA11yIssues,
  gotoPage,
  openVariables,
  owner,
  seriousA11yIssues,
  signedIn,
  startUpstream,
  waitForHydration,
} from "./helpers";

// A secret's life: an earlier value restored and sent by a block, an
// expired secret's badges, a secret the upstream keeps refusing.
test.describe.configure({ mode: "serial" });

const WS = "life-team";
// A real HTTP server on 127.0.0.1: /deny answers 401, the rest 200.
let upstream: Awaited<ReturnType<typeof startUpstream>>;

test.beforeAll(async () => {
  upstream = await startUpstream();
});

test.afterAll(() => upstream.close());

async function createSecret(page: Page, name: string, value: string, expires = "") {
  await openVariables(page, WS);
  await createVariable(page, { name, value, visibility: "Masked", expires });
}

/** A workflow with one block sending `secret` as a bearer token to `path`. */
async function blockSending(page: Page, workflow: string, secret: string, path: string) {
  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "New workflow" }).click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Workflow name").fill(workflow);
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: workflow, level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Add API block" }).click();
  await page.getByLabel("URL", { exact: true }).fill(`http://127.0.0.1:${upstream.port}${path}`);
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("Header name 1").fill("Authorization");
  await page.getByLabel("Header value 1", { exact: true }).fill(`Bearer {{secret:${secret}}}`);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
}

/**
 * Lets time pass for a secret: its expiry date moves to `day` behind the
 * app's back (the app refuses a date in the past, rightly).
 */
function ageExpiry(name: string, day: string) {
  const sql = `UPDATE variables SET expires_on = '${day}' WHERE name = '${name}'
    AND workspace_id = (SELECT id FROM workspaces WHERE slug = '${WS}')`;
  execFileSync("sqlite3", ["-cmd", ".timeout 5000", process.env.E2E_DATABASE!, sql]);
}

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

test("restoring an earlier value from the history makes the block send it", async ({ page }) => {
  await ensureOwner(page);
  await signedIn(page, owner);
  await page.goto("/new-workspace");
  await waitForHydration(page);
  await page.getByLabel("Workspace name").fill("Life Team");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${WS}/variables$`));
  await waitForHydration(page);

  await createSecret(page, "LIFE_TOKEN", "life-first-value");
  await page.getByRole("button", { name: "Edit LIFE_TOKEN" }).click();
  const edit = page.getByRole("dialog", { name: "Edit LIFE_TOKEN" });
  await edit.getByLabel("New value").fill("life-second-value");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();

  // The Edit panel lists the versions (SPEC §9), never a value unasked.
  await page.getByRole("button", { name: "Edit LIFE_TOKEN" }).click();
  const versions = edit.getByRole("region", { name: "Versions" });
  await expect(versions.getByRole("row", { name: /Version 2 \(current\)/ })).toContainText(owner.name);
  const v1 = versions.getByRole("row", { name: /^Version 1/ });
  await expect(v1).toContainText("••••••••");
  expect(await seriousA11yIssues(page, "dialog")).toEqual([]);
  await v1.getByRole("button", { name: "Reveal version 1" }).click();
  await expect(v1).toContainText("life-first-value");
  await v1.getByRole("button", { name: "Hide version 1" }).click();
  await expect(v1).not.toContainText("life-first-value");

  // Restoring lands on the history page, which says so.
  await v1.getByRole("button", { name: "Restore version 1" }).click();
  await expect(page.getByRole("heading", { name: "History of LIFE_TOKEN" })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("Version 1 is the current value again.");
  await expectNoSeriousA11yIssues(page);
  await expect(page.getByRole("row", { name: /Version 3 \(current\)/ })).toBeVisible();
  expect(await page.content()).not.toContain("life-second-value");

  await blockSending(page, "Restored", "LIFE_TOKEN", "/echo");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByRole("region", { name: "Response" })).toContainText("200 OK");
  expect(upstream.received.at(-1)).toBe("Bearer life-first-value");
});

test("an expired secret shows its badge in the panel and on the chip", async ({ page }) => {
  await signedIn(page, owner);
  // A date in the past is refused where it was typed.
  await openVariables(page, WS);
  await page.getByRole("button", { name: "Create New" }).first().click();
  const create = page.getByRole("dialog", { name: "Create variable" });
  await create.getByRole("radio", { name: "Secret" }).check();
  await create.getByLabel("Name").fill("OLD_TOKEN");
  await create.getByLabel("Value", { exact: true }).fill("an-old-token-value");
  await create.getByRole("radio", { name: "Masked" }).check();
  await create.getByLabel("Expires on").fill(isoDay(-2));
  await create.getByRole("button", { name: "Create" }).click();
  await expect(create.getByText("Expires on cannot be in the past")).toBeVisible();
  await create.getByLabel("Expires on").fill(isoDay(3));
  await create.getByRole("button", { name: "Create" }).click();
  await expect(create).toBeHidden();
  ageExpiry("OLD_TOKEN", isoDay(-2));
  await createSecret(page, "SOON_TOKEN", "a-soon-token-value", isoDay(5));
  const old = page.getByRole("row").filter({ hasText: "OLD_TOKEN" });
  await expect(old).toContainText("Expired");
  await expect(page.getByRole("row").filter({ hasText: "SOON_TOKEN" })).toContainText("Expires in 5 days");
  await expectNoSeriousA11yIssues(page);
  await page.getByRole("checkbox", { name: "Expiring soon" }).check();
  await expect(page).toHaveURL(/filter=expiring/);
  await expect(page.getByRole("checkbox", { name: "Expiring soon" })).toBeChecked();
  await expect(page.getByRole("row").filter({ hasText: "LIFE_TOKEN" })).toHaveCount(0);
  await expect(old).toBeVisible();

  await blockSending(page, "Old", "OLD_TOKEN", "/echo");
  // The chip of a secret picked from the picker says so at once.
  await page.getByLabel("Header value 1", { exact: true }).fill("Bearer ");
  await page.getByRole("button", { name: "Add Secret to Header value 1" }).click();
  await page.getByRole("combobox", { name: "Search secrets" }).fill("old");
  await page.getByRole("option", { name: /OLD_TOKEN/ }).click();
  await expect(page.locator(".chip").filter({ hasText: "OLD_TOKEN" })).toContainText("Expired");
  // And when the page loads again.
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(".chip").filter({ hasText: "OLD_TOKEN" })).toContainText("Expired");
  await page.getByRole("button", { name: "Send request" }).click();
  const response = page.getByRole("region", { name: "Response" });
  await expect(response).toContainText("200 OK");
  await expect(response).toContainText("OLD_TOKEN expired on");
});

test("a secret refused three times in a row shows Failing", async ({ page }) => {
  await signedIn(page, owner);
  await createSecret(page, "DENIED_TOKEN", "a-denied-token-value");
  await blockSending(page, "Denied", "DENIED_TOKEN", "/deny");
  const response = page.getByRole("region", { name: "Response" });
  for (let i = 0; i < 3; i++) {
    await page.getByRole("button", { name: "Send request" }).click();
    await expect(response).toContainText("401 Unauthorized");
    await expect.poll(() => upstream.received.filter((r) => r === "Bearer a-denied-token-value").length).toBe(i + 1);
  }
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(".chip").filter({ hasText: "DENIED_TOKEN" })).toContainText(
    "Failing: the last 3 requests were refused (401)",
  );
  await openVariables(page, WS);
  const denied = page.getByRole("row").filter({ hasText: "DENIED_TOKEN" });
  await expect(denied).toContainText("Failing");
  await expect(denied).toContainText("The last 3 requests were refused (401), from API block 1");
  await expectNoSeriousA11yIssues(page);
});

test("the settings page keeps the reminder webhook and shows only its host", async ({ page }) => {
  await signedIn(page, owner);
  await page.goto(`/w/${WS}/settings`);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  await expect(page.getByText("No webhook is set")).toBeVisible();
  await expectNoSeriousA11yIssues(page);
  await expect(page.getByRole("table", { name: "Deliveries" })).toBeVisible();
  await page.getByLabel("Notification webhook URL").fill(`http://127.0.0.1:${upstream.port}/hooks/T0KEN-e2e-9f2`);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("Webhook saved. Reminders go to it from now on.");
  await expect(page.getByText("Reminders go to a webhook on 127.0.0.1")).toBeVisible();
  expect(await page.content()).not.toContain("T0KEN-e2e-9f2");
  // A refused URL says which rule, and keeps the webhook as it was.
  await page.getByLabel("Notification webhook URL").fill("ftp://hooks.example.com/x");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Webhook URL must start with https://");
  await expect(page.getByText("Reminders go to a webhook on 127.0.0.1")).toBeVisible();
  await expectNoSeriousA11yIssues(page);
});

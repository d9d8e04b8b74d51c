import { test, expect, type Page } from "./fixtures";
import {
  createVariable,
  ensureOwner,
  gotoPage,
  openVariables,
  owner,
  seriousA11yIssues,
  signedIn,
  startUpstream,
  waitForHydration,
} from "./helpers";

test.describe.configure({ mode: "serial" });

const WS = "api-team";
// High-entropy like a real token: a value under 48 bits is withheld, not replaced.
const CANARY = "canary-e2e-Q7xK2mP9vL4t";
// A real HTTP server on 127.0.0.1 that echoes what it gets.
let echo: Awaited<ReturnType<typeof startUpstream>>;

test.beforeAll(async () => {
  echo = await startUpstream();
});

test.afterAll(() => echo.close());

async function createSecret(
  page: Page,
  name: string,
  value: string,
  visibility: "Masked" | "Restricted",
  hosts = "",
) {
  await openVariables(page, WS);
  await createVariable(page, { name, value, visibility, hosts });
}

test("a header uses a restricted secret through the picker; the response is redacted", async ({ page }) => {
  await ensureOwner(page);
  await signedIn(page, owner);
  await page.goto("/new-workspace");
  await waitForHydration(page);
  await page.getByLabel("Workspace name").fill("Api Team");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${WS}/variables$`));
  // The redirect's page must finish loading before the next goto, or
  // Chromium reports the goto as interrupted by that same navigation.
  await waitForHydration(page);
  await createSecret(page, "ZD_TOKEN", CANARY, "Restricted", "127.0.0.1");
  await createSecret(page, "OTHER_TOKEN", "other-value-5", "Masked");

  await page.getByRole("link", { name: "Workflows" }).click();
  await expect(page.getByRole("heading", { name: "Workflows", level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "New workflow" }).click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Workflow name").fill("Tickets");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "Tickets", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Add API block" }).click();

  await page.getByLabel("URL", { exact: true }).fill(`http://127.0.0.1:${echo.port}/echo`);
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("Header name 1").fill("Authorization");
  await page.getByLabel("Header value 1", { exact: true }).pressSequentially("Bearer ");
  await page.getByLabel("Header value 1", { exact: true }).press("End");

  // By mouse.
  await page.getByRole("button", { name: "Add Secret to Header value 1" }).click();
  const search = page.getByRole("combobox", { name: "Search secrets" });
  await expect(search).toBeFocused();
  await search.fill("zd");
  await expect(page.getByRole("option", { name: /ZD_TOKEN/ })).toBeVisible();
  expect(await seriousA11yIssues(page, ".picker")).toEqual([]);
  await page.getByRole("option", { name: /ZD_TOKEN/ }).click();
  await expect(page.getByLabel("Header value 1", { exact: true })).toHaveValue("Bearer {{secret:ZD_TOKEN}}");
  await expect(page.locator(".chip").filter({ hasText: "ZD_TOKEN" })).toContainText("Restricted");

  await page.getByRole("button", { name: "Send request" }).click();
  const response = page.getByRole("region", { name: "Response" });
  await expect(response).toContainText("200 OK");
  await expect(response).toContainText("Bearer [REDACTED:ZD_TOKEN]");
  expect(await page.content()).not.toContain(CANARY);
  expect(echo.received).toEqual([`Bearer ${CANARY}`]);
});

test("by keyboard, choosing again replaces the secret in the same field", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Tickets" }).click();
  await expect(page.getByRole("heading", { name: "Tickets", level: 1 })).toBeVisible();
  await waitForHydration(page);

  await page.getByRole("button", { name: "Add Secret to Header value 1" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("combobox", { name: "Search secrets" })).toBeFocused();
  await page.keyboard.type("other");
  await expect(page.getByRole("option", { name: /OTHER_TOKEN/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Header value 1", { exact: true })).toHaveValue("Bearer {{secret:OTHER_TOKEN}}");

  // Escape closes the picker and puts focus back on its button.
  const add = page.getByRole("button", { name: "Add Secret to Body" });
  await add.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("combobox", { name: "Search secrets" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("combobox", { name: "Search secrets" })).toHaveCount(0);
  await expect(add).toBeFocused();

  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
});

test("'Create new secret' in the picker creates one and puts it in the field", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Tickets" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Add Secret to Body" }).click();
  await page.getByRole("option", { name: "Create new secret" }).click();
  const panel = page.getByRole("dialog", { name: "Create variable" });
  await expect(panel.getByRole("radio", { name: "Secret" })).toBeChecked();
  await panel.getByLabel("Name").fill("BODY_KEY");
  await panel.getByLabel("Value", { exact: true }).fill("body-key-value");
  await panel.getByRole("radio", { name: "Masked" }).check();
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel).toBeHidden();
  await expect(page.getByLabel("Body", { exact: true })).toHaveValue("{{secret:BODY_KEY}}");
  await expect(page.locator(".chip").filter({ hasText: "BODY_KEY" })).toContainText("Masked");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toBeVisible();
});

test("leaving with unsaved changes asks first", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Tickets" }).click();
  await waitForHydration(page);
  await page.getByLabel("Block name").fill("Renamed block");
  page.once("dialog", (d) => d.dismiss());
  await page.getByRole("link", { name: "Variables" }).click();
  await expect(page.getByRole("heading", { name: "Tickets", level: 1 })).toBeVisible();
  page.once("dialog", (d) => d.accept());
  await page.getByRole("link", { name: "Variables" }).click();
  await expect(page.getByRole("heading", { name: "Variables", level: 1 })).toBeVisible();
});

test("after its secret is deleted, the block says so and sends nothing", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/variables`);
  await waitForHydration(page);
  await expect(page.getByRole("row").filter({ hasText: "OTHER_TOKEN" })).toContainText("Used in 1 block");
  await page.getByRole("button", { name: "Delete OTHER_TOKEN" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete OTHER_TOKEN?" });
  await expect(confirm).toContainText("Tickets");
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("row").filter({ hasText: "OTHER_TOKEN" })).toHaveCount(0);

  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Tickets" }).click();
  await waitForHydration(page);
  await expect(page.getByText("Missing secret OTHER_TOKEN")).toBeVisible();
  const before = echo.received.length;
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByRole("region", { name: "Response" })).toContainText("Missing secret OTHER_TOKEN");
  expect(echo.received.length).toBe(before);
});

test("the workflow list renames by Enter and deletes after asking", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "New workflow" }).click();
  const dialog = page.getByRole("dialog", { name: "New workflow" });
  await dialog.getByLabel("Workflow name").fill("Short lived");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "Short lived", level: 1 })).toBeVisible();

  await gotoPage(page, `/w/${WS}/workflows`);
  await page.getByRole("textbox", { name: "Rename Short lived" }).fill("Very short lived");
  await page.getByRole("textbox", { name: "Rename Short lived" }).press("Enter");
  await expect(page.getByRole("status")).toHaveText("Workflow renamed.");
  await waitForHydration(page);
  expect(await seriousA11yIssues(page)).toEqual([]);
  await page.getByRole("button", { name: "Delete Very short lived" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete Very short lived?" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("link", { name: "Very short lived" })).toBeVisible();
  await page.getByRole("button", { name: "Delete Very short lived" }).click();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("link", { name: "Very short lived" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Tickets" })).toBeVisible();
});

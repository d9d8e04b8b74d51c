import { test, expect, type Page } from "./fixtures";
import {
  addMember,
  createVariable as create,
  ensureOwner,
  expectNoSeriousA11yIssues,
  type NewVariable,
  openVariables as open,
  owner,
  signedIn,
  signIn,
  waitForHydration,
  WORKSPACE,
} from "./helpers";

test.describe.configure({ mode: "serial" });

const RESTRICTED_CANARY = "canary-restricted-e2e-5be1";
const MASKED_VALUE = "masked-e2e-value-77";
const editor = { email: "vars-editor@example.com", name: "Vera Editor", password: "vera-password-1234" };

const panel = (page: Page) => page.getByRole("dialog", { name: "Create variable" });
const row = (page: Page, name: string) => page.getByRole("row").filter({ hasText: name });

const openVariables = (page: Page) => open(page, WORKSPACE);

/** Creates a variable and waits for its row in the list. */
async function createVariable(page: Page, v: NewVariable & { type: "Variable" | "Secret" }) {
  await create(page, v);
  await expect(row(page, v.name)).toBeVisible();
}

test("an owner starts from the empty state and creates each kind", async ({ page }) => {
  await ensureOwner(page);
  await signedIn(page, owner);
  await openVariables(page);
  await expect(page.getByRole("heading", { name: "No variables yet" })).toBeVisible();

  await page.getByRole("button", { name: "Create New" }).click();
  await expect(panel(page)).toBeVisible();
  await expect(panel(page).getByRole("radio", { name: "Variable" })).toBeFocused();
  await expectNoSeriousA11yIssues(page);
  await panel(page).getByRole("button", { name: "Cancel" }).click();

  await createVariable(page, { type: "Variable", name: "REGION", value: "eu-west-1" });
  await expect(row(page, "REGION")).toContainText("eu-west-1");
  await createVariable(page, { type: "Secret", name: "MASKED_TOKEN", value: MASKED_VALUE, visibility: "Masked" });
  await createVariable(page, {
    type: "Secret",
    name: "ZENDESK_TOKEN",
    value: RESTRICTED_CANARY,
    visibility: "Restricted",
    hosts: "*.zendesk.com",
  });

  const z = row(page, "ZENDESK_TOKEN");
  await expect(z).toContainText("Secret");
  await expect(z).toContainText("Restricted");
  await expect(z).toContainText("••••••••");
  await expect(z.getByRole("button", { name: /value of ZENDESK_TOKEN/ })).toHaveCount(0);
  await expect(z).toContainText("Used in 0 blocks");
  await expect(row(page, "MASKED_TOKEN")).toContainText("••••••••");
  expect(await page.content()).not.toContain(RESTRICTED_CANARY);
  expect(await page.content()).not.toContain(MASKED_VALUE);

  // Search filters as you type, in place: no page load (a mark set on the
  // window survives), the box keeps its focus and caret, the URL follows.
  await page.evaluate(() => ((window as any).samePage = true));
  const search = page.getByRole("searchbox", { name: "Search variables" });
  await search.pressSequentially("tok");
  await expect(page).toHaveURL(/\?q=tok$/);
  await search.pressSequentially("en");
  await expect(page).toHaveURL(/\?q=token$/);
  await expect(row(page, "MASKED_TOKEN")).toBeVisible();
  await expect(row(page, "REGION")).toHaveCount(0);
  await expect(search).toHaveValue("token");
  await expect(search).toBeFocused();
  expect(await search.evaluate((el: HTMLInputElement) => el.selectionStart)).toBe(5);
  expect(await page.evaluate(() => (window as any).samePage)).toBe(true);
  await expect(page.locator("#variables-status")).toHaveText("2 variables shown");
  // The new rows' islands are live.
  await page.getByRole("button", { name: "Edit MASKED_TOKEN" }).click();
  await expect(page.getByRole("dialog", { name: "Edit MASKED_TOKEN" })).toBeVisible();
  await page.keyboard.press("Escape");
  // Reload keeps the query.
  await page.reload();
  await expect(search).toHaveValue("token");
  await expect(row(page, "REGION")).toHaveCount(0);
  // Only the latest query's rows are shown: a slow answer to an earlier
  // query ("r", which REGION matches) does not replace them.
  await page.route(/[?]q=r$/, async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    await route.continue().catch(() => {});
  });
  await search.fill("r");
  await page.waitForTimeout(400);
  await search.fill("token");
  await expect(page).toHaveURL(/\?q=token$/);
  await page.waitForTimeout(1600);
  await expect(row(page, "MASKED_TOKEN")).toBeVisible();
  await expect(row(page, "REGION")).toHaveCount(0);
  await expect(page).toHaveURL(/\?q=token$/);
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await search.fill("");
  await expect(row(page, "REGION")).toBeVisible();
  await expect(page).not.toHaveURL(/q=/);
});

test("bad input shows inline errors and creates nothing", async ({ page }) => {
  await signedIn(page, owner);
  await openVariables(page);
  await page.getByRole("button", { name: "Create New" }).click();
  const dialog = panel(page);
  await dialog.getByLabel("Name").fill("1BAD");
  await dialog.getByLabel("Value", { exact: true }).fill("x");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Name must start with a letter or underscore and contain only letters, digits and underscores")).toBeVisible();
  await expect(dialog.getByLabel("Name")).toHaveAttribute("maxlength", "64");

  await dialog.getByRole("radio", { name: "Secret" }).check();
  await dialog.getByLabel("Name").fill("Zendesk_Token");
  // A secret's value is at least 8 bytes (else that is the error shown).
  await dialog.getByLabel("Value", { exact: true }).fill("long-enough-value");
  await dialog.getByRole("radio", { name: "Masked" }).check();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("A variable named ZENDESK_TOKEN already exists")).toBeVisible();

  await dialog.getByLabel("Name").fill("EMPTY_VALUE");
  await dialog.getByLabel("Value", { exact: true }).fill("");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Value is required")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row")).toHaveCount(4); // header + 3
});

test("a masked secret reveals on click, cannot be copied, and hides after 20 seconds", async ({ page }) => {
  await page.clock.install();
  await signedIn(page, owner);
  await openVariables(page);
  const m = row(page, "MASKED_TOKEN");
  await m.getByRole("button", { name: "Reveal value of MASKED_TOKEN" }).click();
  await expect(m).toContainText(MASKED_VALUE);
  await expect(m.getByRole("button", { name: "Hide value of MASKED_TOKEN" })).toBeVisible();

  const shown = m.getByText(MASKED_VALUE);
  expect(await shown.evaluate((el) => getComputedStyle(el).userSelect)).toBe("none");
  const copyBlocked = await shown.evaluate((el) => {
    const ev = new Event("copy", { bubbles: true, cancelable: true });
    el.dispatchEvent(ev);
    return ev.defaultPrevented;
  });
  expect(copyBlocked).toBe(true);

  await page.clock.fastForward(19_000);
  await expect(m).toContainText(MASKED_VALUE);
  await page.clock.fastForward(2_000);
  await expect(m).not.toContainText(MASKED_VALUE);
  await expect(m.getByRole("button", { name: "Reveal value of MASKED_TOKEN" })).toBeVisible();

  // Hiding by hand drops it at once.
  await m.getByRole("button", { name: "Reveal value of MASKED_TOKEN" }).click();
  await expect(m).toContainText(MASKED_VALUE);
  await m.getByRole("button", { name: "Hide value of MASKED_TOKEN" }).click();
  await expect(m).not.toContainText(MASKED_VALUE);
});

test("edit a plain value and a secret's value; the secret field starts empty", async ({ page }) => {
  await signedIn(page, owner);
  await openVariables(page);
  await page.getByRole("button", { name: "Edit REGION" }).click();
  let dialog = page.getByRole("dialog", { name: "Edit REGION" });
  await expect(dialog.getByLabel("Value", { exact: true })).toHaveValue("eu-west-1");
  await dialog.getByLabel("Value", { exact: true }).fill("us-east-1");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, "REGION")).toContainText("us-east-1");

  await page.getByRole("button", { name: "Edit MASKED_TOKEN" }).click();
  dialog = page.getByRole("dialog", { name: "Edit MASKED_TOKEN" });
  await expect(dialog.getByLabel("New value")).toHaveValue("");
  await expect(dialog).toContainText("Masked");
  await expectNoSeriousA11yIssues(page);
  await dialog.getByLabel("New value").fill("masked-e2e-rotated");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  const m = row(page, "MASKED_TOKEN");
  await m.getByRole("button", { name: "Reveal value of MASKED_TOKEN" }).click();
  await expect(m).toContainText("masked-e2e-rotated");
});

test("delete asks first: cancel keeps it, confirm removes it", async ({ page }) => {
  await signedIn(page, owner);
  await openVariables(page);
  await createVariable(page, { type: "Variable", name: "DOOMED", value: "bye" });
  await page.getByRole("button", { name: "Delete DOOMED" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete DOOMED?" });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText("No API block uses it.");
  await expectNoSeriousA11yIssues(page);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(row(page, "DOOMED")).toBeVisible();
  await page.getByRole("button", { name: "Delete DOOMED" }).click();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(row(page, "DOOMED")).toHaveCount(0);
});

test("keyboard only: create and delete", async ({ page }) => {
  await signedIn(page, owner);
  await openVariables(page);
  await page.getByRole("button", { name: "Create New" }).focus();
  await page.keyboard.press("Enter");
  await expect(panel(page)).toBeVisible();
  await expect(panel(page).getByRole("radio", { name: "Variable" })).toBeFocused();
  await page.keyboard.press("Tab"); // past the radio group to Name
  await expect(panel(page).getByLabel("Name")).toBeFocused();
  await page.keyboard.type("KEYBOARD_VAR");
  await page.keyboard.press("Tab");
  await page.keyboard.type("typed");
  await page.keyboard.press("Tab"); // Description
  await page.keyboard.press("Tab"); // Cancel
  await page.keyboard.press("Tab"); // Create
  await page.keyboard.press("Enter");
  await expect(panel(page)).toBeHidden();
  await expect(row(page, "KEYBOARD_VAR")).toContainText("typed");

  await page.getByRole("button", { name: "Delete KEYBOARD_VAR" }).focus();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("alertdialog", { name: "Delete KEYBOARD_VAR?" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Delete" }).focus();
  await page.keyboard.press("Enter");
  await expect(row(page, "KEYBOARD_VAR")).toHaveCount(0);
});

test("an editor creates plain variables only and cannot touch secrets", async ({ page }) => {
  await signedIn(page, owner);
  await addMember(page, WORKSPACE, editor, "editor");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await signedIn(page, editor);
  await openVariables(page);
  await expect(page.getByRole("button", { name: "Edit MASKED_TOKEN" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Delete ZENDESK_TOKEN" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit REGION" })).toBeVisible();
  await expect(row(page, "MASKED_TOKEN").getByRole("button", { name: "Reveal value of MASKED_TOKEN" })).toBeVisible();

  await page.getByRole("button", { name: "Create New" }).click();
  await expect(panel(page).getByRole("radio", { name: "Secret" })).toHaveCount(0);
  await page.keyboard.press("Escape");
  await createVariable(page, { type: "Variable", name: "EDITOR_NOTE", value: "hello" });
  await expect(row(page, "EDITOR_NOTE")).toContainText("by Vera Editor");
});

test("an agent's request_secret link opens the create panel with only the name; the owner then lets agents put it in a body", async ({ page }) => {
  await signedIn(page, owner);
  // A name that is not one is ignored: no panel opens.
  await page.goto(`/w/${WORKSPACE}/variables?new=%3Cb%3Ex`);
  await waitForHydration(page);
  await expect(panel(page)).toHaveCount(0);

  await page.goto(`/w/${WORKSPACE}/variables?new=AGENT_KEY`);
  await waitForHydration(page);
  const dialog = panel(page);
  await expect(dialog.getByLabel("Name")).toHaveValue("AGENT_KEY");
  await expect(dialog.getByRole("radio", { name: "Secret" })).toBeChecked();
  await expect(dialog.getByRole("radio", { name: "Restricted" })).not.toBeChecked();
  await expect(dialog.getByRole("radio", { name: "Masked" })).not.toBeChecked();
  await dialog.getByLabel("Value", { exact: true }).fill("agent-key-value-0042");
  await dialog.getByRole("radio", { name: "Restricted" }).check();
  await dialog.getByLabel("Allowed hosts").fill("api.example.com");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(row(page, "AGENT_KEY")).toBeVisible();

  await page.getByRole("button", { name: "Edit AGENT_KEY" }).click();
  const edit = page.getByRole("dialog", { name: "Edit AGENT_KEY" });
  await expect(edit.getByText("An AI agent (MCP) may put it in a header value only.")).toBeVisible();
  await edit.getByRole("checkbox", { name: "Agents may place it in the URL or body" }).check();
  await edit.getByRole("button", { name: "Set for agents" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved where AI agents may put this secret.");
  await expect(page.getByText("An AI agent (MCP) may put it in a header value, the URL or the body.")).toBeVisible();
});

import { test, expect } from "./fixtures";
import { addMember, ensureOwner, owner, signedIn, waitForHydration } from "./helpers";

// Its own workspace, so other specs find theirs as they left it.
const WS = "audit-team";

test.describe.configure({ mode: "serial" });

const editor = { email: "audit-ed@example.com", name: "Audrey Editor", password: "audrey-password-12" };

test("an owner sees in the audit log that an editor revealed a secret", async ({ page }) => {
  await ensureOwner(page);
  await signedIn(page, owner);
  await page.goto("/new-workspace");
  await waitForHydration(page);
  await page.getByLabel("Workspace name").fill("Audit Team");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${WS}/variables$`));
  await waitForHydration(page);

  // A masked secret, and an editor.
  await page.getByRole("button", { name: "Create New" }).first().click();
  const panel = page.getByRole("dialog", { name: "Create variable" });
  await panel.getByRole("radio", { name: "Secret" }).check();
  await panel.getByLabel("Name").fill("AUDITED_TOKEN");
  await panel.getByLabel("Value", { exact: true }).fill("audited-value-1");
  await panel.getByRole("radio", { name: "Masked" }).check();
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel).toBeHidden();

  await addMember(page, WS, editor);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The editor reveals it, and has no audit log.
  await signedIn(page, editor);
  await page.goto(`/w/${WS}/variables`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Reveal value of AUDITED_TOKEN" }).click();
  await expect(page.getByText("audited-value-1")).toBeVisible();
  await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
  await page.goto(`/w/${WS}/audit`);
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // The owner finds it, newest first, and filters to it.
  await signedIn(page, owner);
  await page.goto(`/w/${WS}/variables`);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  const entries = page.getByRole("list", { name: "Audit entries" }).getByRole("listitem");
  await expect(entries.first()).toContainText("Signed in");
  // As a person would write it, with the member's display name.
  await expect(page.getByText(`${editor.name} revealed AUDITED_TOKEN`)).toBeVisible();

  await page.getByLabel("Action").selectOption({ label: "Secret revealed" });
  await page.getByRole("searchbox", { name: "Search by name" }).fill("audited");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=secret\.revealed/);
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toContainText(editor.name);
  // The display name finds them too.
  await page.getByRole("searchbox", { name: "Search by name" }).fill("audrey");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(entries).toHaveCount(1);
  await expect(page.getByText("audited-value-1")).toHaveCount(0);
});

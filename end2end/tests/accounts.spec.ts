import { test, expect } from "./fixtures";
import { owner, signIn, signedIn, waitForHydration } from "./helpers";

// One story, in order: the app starts empty (see playwright.config.ts).
test.describe.configure({ mode: "serial" });

const editor = { email: "ed@example.com", name: "Ed Editor", password: "editor-password-1234" };

test("the first visit sets up the owner, who lands on the Variables page", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Create the owner account" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Email", { exact: true }).fill(owner.email);
  await page.getByLabel("Name", { exact: true }).fill(owner.name);
  await page.getByLabel("Password", { exact: true }).fill(owner.password);
  await page.getByLabel("Workspace name").fill("Acme Support");
  await page.getByRole("button", { name: "Create owner account" }).click();
  await expect(page).toHaveURL(/\/w\/acme-support\/variables$/);
  await expect(page.getByRole("heading", { name: "Variables", level: 1 })).toBeVisible();

  // Set-up is gone for good.
  await page.goto("/setup");
  await expect(page).not.toHaveURL(/\/setup$/);
});

test("sign out, a wrong password, then sign in", async ({ page }) => {
  await signIn(page, owner);
  await expect(page).toHaveURL(/\/w\/acme-support\/variables$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await signIn(page, { email: owner.email, password: "not-the-password" });
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password");
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel("Password", { exact: true }).fill(owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/w\/acme-support\/variables$/);
});

test("the owner adds an editor, who signs in and sees the members", async ({ page }) => {
  await signIn(page, owner);
  await expect(page).toHaveURL(/\/w\/acme-support\/variables$/);
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Add member" }).click();
  const dialog = page.getByRole("dialog", { name: "Add member" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Email", { exact: true })).toBeFocused();
  await dialog.getByLabel("Email", { exact: true }).fill(editor.email);
  await dialog.getByLabel("Name", { exact: true }).fill(editor.name);
  await dialog.getByLabel("Initial password").fill(editor.password);
  await dialog.getByLabel("Role").selectOption("editor");
  await dialog.getByRole("button", { name: "Add member" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("cell", { name: editor.email })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, editor);
  await expect(page).toHaveURL(/\/w\/acme-support\/variables$/);
  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("cell", { name: owner.email })).toBeVisible();
  // Editors see the list only.
  await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Remove / })).toHaveCount(0);
});

test("Escape closes a dialog and focus returns to its opener", async ({ page }) => {
  await signedIn(page, owner);
  await page.goto("/w/acme-support/members");
  await waitForHydration(page);
  const opener = page.getByRole("button", { name: "Add member" });
  await opener.click();
  await expect(page.getByRole("dialog", { name: "Add member" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Add member" })).toBeHidden();
  await expect(opener).toBeFocused();
});

test("removing a member asks first", async ({ page }) => {
  await signedIn(page, owner);
  await page.goto("/w/acme-support/members");
  await waitForHydration(page);
  await page.getByRole("button", { name: `Remove ${editor.name}` }).click();
  const confirm = page.getByRole("alertdialog", { name: `Remove ${editor.name}?` });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("cell", { name: editor.email })).toBeVisible();

  await page.getByRole("button", { name: `Remove ${editor.name}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("cell", { name: editor.email })).toHaveCount(0);
});

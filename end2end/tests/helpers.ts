import { expect, type Page } from "@playwright/test";

export const owner = { email: "owner@example.com", name: "Olive Owner", password: "owner-password-1234" };
export const WORKSPACE = "acme-support";

/** Waits until the WASM bundle has loaded and hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByLabel("Email", { exact: true }).fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and waits until their (first) workspace's page has loaded. */
export async function signedIn(page: Page, who: { email: string; password: string }) {
  await signIn(page, who);
  await expect(page).toHaveURL(/\/w\/[a-z0-9-]+\/variables$/);
  await waitForHydration(page);
}

/** Sets the owner up when the app is new (a spec may run alone). */
export async function ensureOwner(page: Page) {
  await page.goto("/");
  if (!page.url().endsWith("/setup")) return;
  await waitForHydration(page);
  await page.getByLabel("Email", { exact: true }).fill(owner.email);
  await page.getByLabel("Name", { exact: true }).fill(owner.name);
  await page.getByLabel("Password", { exact: true }).fill(owner.password);
  await page.getByLabel("Workspace name").fill("Acme Support");
  await page.getByRole("button", { name: "Create owner account" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${WORKSPACE}/variables$`));
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/**
 * page.goto, once more when a navigation of the app's own (a redirect that
 * lands on the same page, e.g. after "Create workspace") interrupts it:
 * the user simply sees that page. Any other failure is a failure.
 */
export async function gotoPage(page: Page, url: string) {
  try {
    await page.goto(url);
  } catch (err) {
    if (!String(err).includes("interrupted by another navigation")) throw err;
    await page.waitForLoadState("load");
    await page.goto(url);
  }
}

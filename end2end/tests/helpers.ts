import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

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

/** Opens a workspace's Variables page and waits for it to hydrate. */
export async function openVariables(page: Page, workspace: string) {
  await gotoPage(page, `/w/${workspace}/variables`);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Variables", level: 1 })).toBeVisible();
}

export type NewVariable = {
  type?: "Variable" | "Secret";
  name: string;
  value: string;
  visibility?: "Masked" | "Restricted";
  hosts?: string;
  expires?: string;
};

/** Creates a variable from the Variables page the browser is on. */
export async function createVariable(page: Page, v: NewVariable) {
  await page.getByRole("button", { name: "Create New" }).first().click();
  const panel = page.getByRole("dialog", { name: "Create variable" });
  await expect(panel).toBeVisible();
  await panel.getByRole("radio", { name: v.type ?? "Secret" }).check();
  await panel.getByLabel("Name").fill(v.name);
  await panel.getByLabel("Value", { exact: true }).fill(v.value);
  if (v.visibility) await panel.getByRole("radio", { name: v.visibility }).check();
  if (v.hosts) await panel.getByLabel("Allowed hosts").fill(v.hosts);
  if (v.expires) await panel.getByLabel("Expires on").fill(v.expires);
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel).toBeHidden();
}

/** Adds a member from the workspace's Members page (as an owner or admin). */
export async function addMember(
  page: Page,
  workspace: string,
  who: { email: string; name: string; password: string },
  role?: "admin" | "editor",
) {
  await gotoPage(page, `/w/${workspace}/members`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Add member" }).click();
  const add = page.getByRole("dialog", { name: "Add member" });
  await add.getByLabel("Email", { exact: true }).fill(who.email);
  await add.getByLabel("Name", { exact: true }).fill(who.name);
  await add.getByLabel("Initial password").fill(who.password);
  if (role) await add.getByLabel("Role").selectOption(role);
  await add.getByRole("button", { name: "Add member" }).click();
  await expect(add).toBeHidden();
}

/** The serious and critical axe findings of the page (or of `within`). */
export async function seriousA11yIssues(page: Page, within?: string): Promise<string[]> {
  const axe = new AxeBuilder({ page });
  const results = await (within ? axe.include(within) : axe).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
}

export async function expectNoSeriousA11yIssues(page: Page, within?: string) {
  expect(await seriousA11yIssues(page, within)).toEqual([]);
}

/**
 * A real HTTP server on 127.0.0.1 for API blocks and webhooks: `/deny…`
 * answers 401 (echoing nothing, like a real refusal), anything else 200
 * with the path and the Authorization header echoed (in the JSON body and in `x-echo-auth`). `received` holds
 * each request's Authorization header.
 */
export async function startUpstream() {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const auth = String(req.headers.authorization ?? "");
    received.push(auth);
    res.setHeader("content-type", "application/json");
    if (req.url?.startsWith("/deny")) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: "unauthorized" }));
      return;
    }
    res.setHeader("x-echo-auth", auth);
    res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, received, close: () => server.close() };
}

import { test, expect } from "./fixtures";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ensureOwner, gotoPage, owner, seriousA11yIssues, signedIn, waitForHydration } from "./helpers";

// A token made on the Tokens page, used by the CLI to set a secret, seen in
// the audit log under its name, then revoked: the CLI is refused.
test.describe.configure({ mode: "serial" });

const WS = "token-team";
const BIN = process.env.VARVAULT_BIN ?? path.join(__dirname, "../../target/debug/varvault");

function remote(token: string, args: string[], input = "") {
  return spawnSync(BIN, ["remote", ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, VARVAULT_URL: process.env.E2E_BASE_URL ?? "", VARVAULT_TOKEN: token },
  });
}

test("a token from the Tokens page sets a secret through the CLI until it is revoked", async ({ page }) => {
  await ensureOwner(page);
  await signedIn(page, owner);
  await page.goto("/new-workspace");
  await waitForHydration(page);
  await page.getByLabel("Workspace name").fill("Token Team");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${WS}/variables$`));
  await waitForHydration(page);
  // A secret for the CLI to set.
  await page.getByRole("button", { name: "Create New" }).first().click();
  const panel = page.getByRole("dialog", { name: "Create variable" });
  await panel.getByRole("radio", { name: "Secret" }).check();
  await panel.getByLabel("Name").fill("CI_DEPLOY_KEY");
  await panel.getByLabel("Value", { exact: true }).fill("first-deploy-key-1");
  await panel.getByRole("radio", { name: "Masked" }).check();
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel).toBeHidden();

  await gotoPage(page, `/w/${WS}/tokens`);
  await expect(page.getByRole("heading", { name: "Access tokens", level: 1 })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Token name").fill("ci pipeline");
  await dialog.getByLabel("Expires on").fill("2099-12-31");
  await dialog.getByRole("checkbox", { name: /secrets:write/ }).check();
  expect(await seriousA11yIssues(page, "dialog")).toEqual([]);
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  const shown = page.getByRole("textbox", { name: "New token" });
  await expect(shown).toBeVisible();
  const token = await shown.inputValue();
  expect(token).toMatch(/^vv_[A-Za-z0-9_-]{43}$/);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("row").filter({ hasText: "ci pipeline" })).toContainText("secrets:write");
  expect(await page.content()).not.toContain(token);

  const set = remote(token, ["set", "CI_DEPLOY_KEY"], "second-deploy-key-2\n");
  expect(set.status, set.stderr).toBe(0);
  expect(set.stdout.trim()).toBe("CI_DEPLOY_KEY: new value set");

  await page.goto(`/w/${WS}/audit`);
  const entry = page.getByRole("listitem").filter({ hasText: "Token ci pipeline" }).first();
  await expect(entry).toContainText("Secret value updated");

  await gotoPage(page, `/w/${WS}/tokens`);
  await page.getByRole("button", { name: "Revoke ci pipeline" }).click();
  await expect(page.getByRole("status")).toContainText("Token revoked");
  expect(await seriousA11yIssues(page)).toEqual([]);
  const refused = remote(token, ["set", "CI_DEPLOY_KEY"], "third-deploy-key-3\n");
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toContain("error: A valid access token is required");
});

// An agent:use token made on the Tokens page works from the official MCP
// client (TypeScript SDK) end to end: it lists, and is held to the rules.
test("an agent:use token from the Tokens page works from an MCP client", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/tokens`);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Token name").fill("release agent");
  await dialog.getByRole("checkbox", { name: /agent:use/ }).check();
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  const shown = page.getByRole("textbox", { name: "New token" });
  const token = await shown.inputValue();
  await page.getByRole("button", { name: "Done" }).click();

  const plan = {
    url: `${process.env.E2E_BASE_URL}/mcp`,
    token,
    calls: [
      { tool: "list_secrets", arguments: {} },
      { tool: "http_request", arguments: { method: "GET", url: "https://api.example.com/",
        headers: [{ name: "Authorization", value: "Bearer {{secret:CI_DEPLOY_KEY}}" }] } },
    ],
  };
  const run = spawnSync("node", [path.join(__dirname, "../mcp/client.mjs")], {
    encoding: "utf8",
    env: { ...process.env, MCP_PLAN: JSON.stringify(plan) },
  });
  expect(run.status, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout);
  expect(out.tools).toContain("http_request");
  const listed = out.calls[0].structured.items;
  expect(listed.map((i: { name: string }) => i.name)).toEqual(["CI_DEPLOY_KEY"]);
  expect(listed[0].agents).toBe("not usable by agents: it has no allowed hosts");
  expect(out.calls[1].isError).toBe(true);
  expect(out.calls[1].text).toContain("CI_DEPLOY_KEY has no allowed hosts");

  await page.goto(`/w/${WS}/audit`);
  await expect(page.getByRole("listitem").filter({ hasText: "Token release agent" }).first()).toBeVisible();
});

// Import .env from the Variables page: a preview per line, nothing applied
// while a line is refused, then all of it at once; no value on the page.
test("an owner imports a .env file after a preview", async ({ page }) => {
  await signedIn(page, owner);
  await gotoPage(page, `/w/${WS}/variables`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import .env" }).click();
  const dialog = page.getByRole("dialog", { name: "Import .env" });
  const file = dialog.getByLabel("Paste .env");
  await file.fill("# from the old vault\nexport CI_DEPLOY_KEY=\"imported-deploy-key-4\"\nNEW_API_KEY='imported-api-key-55'\nTOO_SHORT=abc\n");
  await dialog.getByRole("group", { name: "Kind" }).getByRole("radio", { name: "Secret" }).check();
  await dialog.getByRole("group", { name: "Visibility" }).getByRole("radio", { name: "Masked" }).check();
  await dialog.getByRole("button", { name: "Preview" }).click();
  const rows = dialog.getByRole("table", { name: "Preview" }).getByRole("row");
  await expect(rows.filter({ hasText: "CI_DEPLOY_KEY" })).toContainText("update");
  await expect(rows.filter({ hasText: "NEW_API_KEY" })).toContainText("create");
  await expect(rows.filter({ hasText: "TOO_SHORT" })).toContainText("refused: A secret's value must be at least 8 bytes");
  await expect(dialog.getByRole("status")).toContainText("1 to create, 1 to update, 1 refused.");
  await expect(dialog.getByRole("button", { name: "Import", exact: true })).toBeDisabled();
  expect(await seriousA11yIssues(page, "dialog")).toEqual([]);

  // A chosen file replaces the text (and the stale preview); without the
  // short line it imports.
  await dialog.getByLabel("Choose file").setInputFiles({
    name: "prod.env",
    mimeType: "text/plain",
    buffer: Buffer.from("export CI_DEPLOY_KEY=\"imported-deploy-key-4\"\nNEW_API_KEY='imported-api-key-55'\n"),
  });
  await expect(file).toHaveValue(/^export CI_DEPLOY_KEY=/);
  await expect(dialog.getByRole("table", { name: "Preview" })).toHaveCount(0);
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByRole("status")).toContainText("1 to create, 1 to update, 0 refused.");
  await dialog.getByRole("button", { name: "Import", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row").filter({ hasText: "NEW_API_KEY" })).toContainText("Masked");
  const html = await page.content();
  expect(html).not.toContain("imported-deploy-key-4");
  expect(html).not.toContain("imported-api-key-55");
});

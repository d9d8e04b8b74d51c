import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { test, expect, type Page } from "./fixtures";
import { addMember, ensureOwner, owner, gotoPage, seriousA11yIssues, signedIn, waitForHydration } from "./helpers";

// Every page, and every panel, dialog and picker on it, at 1280×800 and at
// 390×844, light and dark, checked for what tests by role and name cannot
// see: sideways scrolling, boxes past their dialog or the screen, clipped
// text, controls drawn over each other, `hidden` elements with a box, a
// dialog's primary action out of view, and axe's serious findings. A screenshot of each state is saved in
// the test's output folder (test-results/).
//
// The pages are the router's own (`varvault routes`): a page added to the
// app without a plan here fails the first test.

const WS = "layout-check";
const SIZES = [
  { name: "wide", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;
const SCHEMES = ["light", "dark"] as const;
const editor = { email: "layout-ed@example.com", name: "Lay Out Editor", password: "layout-password-12" };

type Ids = { secret: string; workflow: string };
/** A state of a page: opens something and returns the dialog it opened (if any). */
type State = { name: string; open: (page: Page) => Promise<string | null>; phoneOnly?: boolean };
type Plan = { url: (ids: Ids) => string; anonymous?: boolean; states?: State[] };

const dialog = (name: string, button: string, exact = false): State => ({
  name,
  open: async (page) => {
    await page.getByRole("button", { name: button, exact }).first().click();
    await expect(page.locator("dialog[open]")).toHaveCount(1);
    return "dialog[open]";
  },
});

const menu: State = {
  name: "menu",
  phoneOnly: true,
  open: async (page) => {
    await page.locator(".nav-toggle").click();
    await expect(page.getByRole("link", { name: "Account" })).toBeVisible();
    return null;
  },
};

const PLANS: Record<string, Plan> = {
  "/": { url: () => "/" },
  "/setup": { url: () => "/setup", anonymous: true },
  "/login": { url: () => "/login", anonymous: true },
  "/account": { url: () => "/account", states: [menu] },
  "/new-workspace": { url: () => "/new-workspace" },
  "/w/{ws}/variables": {
    url: () => `/w/${WS}/variables`,
    states: [
      menu,
      dialog("create", "Create New"),
      {
        name: "create-secret",
        open: async (page) => {
          await page.getByRole("button", { name: "Create New" }).first().click();
          await page.getByRole("dialog").getByRole("radio", { name: "Secret" }).check();
          return "dialog[open]";
        },
      },
      {
        name: "edit-with-versions",
        open: async (page) => {
          await page.getByRole("button", { name: "Edit LAYOUT_MASKED_TOKEN" }).click();
          await expect(page.getByRole("dialog").getByRole("heading", { name: "Versions" })).toBeVisible();
          return "dialog[open]";
        },
      },
      {
        // The "AI agents" region the script puts after Versions, in view.
        name: "edit-agents",
        open: async (page) => {
          await page.getByRole("button", { name: "Edit LAYOUT_MASKED_TOKEN" }).click();
          const heading = page.getByRole("dialog").getByRole("heading", { name: "AI agents" });
          await expect(heading).toBeVisible();
          await heading.scrollIntoViewIfNeeded();
          return "dialog[open]";
        },
      },
      dialog("edit-plain", "Edit LAYOUT_REGION"),
      dialog("delete", "Delete LAYOUT_REGION"),
      dialog("import", "Import .env"),
      {
        name: "import-preview",
        open: async (page) => {
          await page.getByRole("button", { name: "Import .env" }).click();
          const d = page.getByRole("dialog", { name: "Import .env" });
          const lines = Array.from({ length: 12 }, (_, i) => `LAYOUT_IMPORTED_WITH_A_LONG_NAME_${i}=value-${i}`);
          await d.getByLabel("Paste .env").fill(lines.join("\n"));
          await d.getByRole("radio", { name: "Variable" }).check();
          await d.getByRole("button", { name: "Preview" }).click();
          await expect(d.getByRole("table", { name: "Preview" })).toBeVisible();
          return "dialog[open]";
        },
      },
    ],
  },
  "/w/{ws}/variables/{id}/history": { url: (ids) => `/w/${WS}/variables/${ids.secret}/history` },
  "/w/{ws}/members": {
    url: () => `/w/${WS}/members`,
    states: [dialog("add", "Add member"), dialog("remove", `Remove ${editor.name}`)],
  },
  "/w/{ws}/audit": { url: () => `/w/${WS}/audit` },
  "/w/{ws}/settings": { url: () => `/w/${WS}/settings` },
  "/w/{ws}/tokens": {
    url: () => `/w/${WS}/tokens`,
    states: [
      dialog("create", "Create token"),
      {
        name: "created",
        open: async (page) => {
          await page.getByRole("button", { name: "Create token" }).click();
          const d = page.getByRole("dialog", { name: "Create token" });
          await d.getByLabel("Token name").fill(`layout pipeline ${Date.now()}`);
          await d.getByRole("checkbox", { name: /secrets:write/ }).check();
          await d.getByRole("button", { name: "Create", exact: true }).click();
          await expect(page.getByRole("textbox", { name: "New token" })).toBeVisible();
          return "dialog[open]";
        },
      },
    ],
  },
  "/w/{ws}/workflows": {
    url: () => `/w/${WS}/workflows`,
    states: [dialog("new", "New workflow"), dialog("delete", "Delete Layout tickets")],
  },
  "/w/{ws}/workflows/{id}": {
    url: (ids) => `/w/${WS}/workflows/${ids.workflow}`,
    states: [
      {
        name: "picker",
        open: async (page) => {
          await page.getByRole("button", { name: "Add Secret to Header value 1" }).click();
          await expect(page.getByRole("combobox", { name: "Search secrets" })).toBeFocused();
          return ".picker";
        },
      },
    ],
  },
};

function routes(): string[] {
  const bin = process.env.VARVAULT_BIN ?? path.resolve(__dirname, "../../target/debug/varvault");
  return execFileSync(bin, ["routes"], { encoding: "utf8" }).trim().split("\n").map((r) => r.replace(/:(\w+)/g, "{$1}"));
}

/** What is wrong with the layout as it is now; an empty list when nothing. */
async function layoutProblems(page: Page, within: string | null): Promise<string[]> {
  return page.evaluate((within) => {
    const problems: string[] = [];
    const vw = document.documentElement.clientWidth;
    const vh = window.innerHeight;
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""} "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    if (document.documentElement.scrollWidth > vw + 1) {
      problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide in ${vw}`);
    }
    const scrolls = (el: Element) => {
      const s = getComputedStyle(el);
      return ["auto", "scroll", "hidden", "clip"].includes(s.overflowX);
    };
    const visuallyHidden = (el: Element) => {
      for (let e: Element | null = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.clip !== "auto" && s.position === "absolute") return true;
        if (e.classList.contains("visually-hidden")) return true;
      }
      return false;
    };
    const container = within ? document.querySelector(within) : null;
    const bounds = container ? container.getBoundingClientRect() : new DOMRect(0, 0, vw, Number.MAX_SAFE_INTEGER);
    // A dialog or a picker must itself fit the screen.
    if (container && (bounds.left < -1 || bounds.right > vw + 1)) {
      problems.push(`${within} past the screen (${Math.round(bounds.left)}..${Math.round(bounds.right)} in 0..${vw})`);
    }
    // Controls in the flow of the page must not be drawn over each other
    // (an overlay, such as the open menu, the picker or a dialog's sticky
    // actions, may cover them).
    const overlaid = (el: Element) => {
      for (let e: Element | null = el; e && e !== container; e = e.parentElement) {
        if (["absolute", "fixed", "sticky"].includes(getComputedStyle(e).position)) return true;
      }
      return false;
    };
    const scope = container ?? document.body;
    const inDialog = (el: Element) => !!el.closest("dialog[open]");
    for (const el of scope.querySelectorAll("*")) {
      // With a dialog open, the page behind it is not what is looked at.
      if (!container && inDialog(el)) continue;
      if (el.hasAttribute("hidden")) {
        if (el.getClientRects().length > 0) problems.push(`hidden but shown: ${describe(el)}`);
        continue;
      }
      const rects = el.getClientRects();
      if (rects.length === 0 || visuallyHidden(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Inside a region that scrolls (or clips) on its own: its business.
      let inRegion = false;
      for (let p = el.parentElement; p && p !== scope; p = p.parentElement) {
        if (scrolls(p)) inRegion = true;
      }
      if (!inRegion && (r.right > bounds.right + 1 || r.left < bounds.left - 1)) {
        problems.push(`past its ${container ? "dialog" : "screen"} (${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(bounds.left)}..${Math.round(bounds.right)}): ${describe(el)}`);
      }
      // Clipped text: an element that does not scroll on its own whose
      // content is wider than its box (form controls and ellipsised text
      // with a title excepted).
      const s = getComputedStyle(el);
      const control = ["INPUT", "SELECT", "TEXTAREA", "OPTION"].includes(el.tagName);
      const ellipsised = s.textOverflow === "ellipsis" && !!el.closest("[title]");
      const ownScroll = ["auto", "scroll"].includes(s.overflowX);
      if (!control && !ellipsised && !ownScroll && s.overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`text clipped (${el.scrollWidth} px in ${el.clientWidth}): ${describe(el)}`);
      }
    }
    const controls = [...scope.querySelectorAll("button, input:not([type=hidden]), select, textarea, a[href]")].filter(
      (el) => el.getClientRects().length > 0 && !visuallyHidden(el) && !overlaid(el) && (container || !inDialog(el)),
    );
    for (let i = 0; i < controls.length; i++) {
      for (let j = i + 1; j < controls.length; j++) {
        const [a, b] = [controls[i], controls[j]];
        if (a.contains(b) || b.contains(a)) continue;
        const [ra, rb] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
        const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
        const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
        if (x > 2 && y > 2) problems.push(`controls drawn over each other: ${describe(a)} and ${describe(b)}`);
      }
    }
    if (container) {
      const primary =
        container.querySelector(".modal-actions .btn-primary, .modal-actions .btn-danger") ??
        container.querySelector(".modal-actions button:last-child");
      if (primary) {
        const p = primary.getBoundingClientRect();
        if (p.bottom > vh + 1 || p.top < -1 || p.right > vw + 1 || p.left < -1) {
          problems.push(`primary action out of view (${Math.round(p.top)}..${Math.round(p.bottom)} in 0..${vh}): ${describe(primary)}`);
        }
      }
    }
    return problems;
  }, within);
}

async function checkState(page: Page, label: string, within: string | null) {
  for (const scheme of SCHEMES) {
    // Reduced motion: no colour transition half-way in the screenshot.
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
    const name = `${label}-${scheme}`;
    await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: !within });
    const problems = await layoutProblems(page, within);
    const axe = await seriousA11yIssues(page, within ?? undefined);
    expect([...problems, ...axe], name).toEqual([]);
  }
}

// Not serial: after a failure the next tests still run (in file order, on
// a fresh worker), finding the first test's data by name.
const ids: Ids = { secret: "", workflow: "" };

async function findIds(page: Page) {
  if (ids.secret) return;
  await gotoPage(page, `/w/${WS}/variables`);
  const history = await page.getByRole("link", { name: "History of LAYOUT_MASKED_TOKEN" }).getAttribute("href");
  ids.secret = history!.split("/")[4];
  await gotoPage(page, `/w/${WS}/workflows`);
  const workflow = await page.getByRole("link", { name: "Layout tickets" }).first().getAttribute("href");
  ids.workflow = workflow!.split("/").pop()!;
}

test("the spec has a plan for every page of the router, and the pages have data", async ({ page }) => {
  expect(Object.keys(PLANS).sort()).toEqual(routes().sort());

  await ensureOwner(page);
  await signedIn(page, owner);
  await gotoPage(page, "/new-workspace");
  await waitForHydration(page);
  await page.getByLabel("Workspace name").fill("Layout Check");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${WS}/variables$`));
  await waitForHydration(page);
  const create = async (fields: { type: string; name: string; value: string; visibility?: string; hosts?: string; expires?: string; description?: string }) => {
    await page.getByRole("button", { name: "Create New" }).first().click();
    const panel = page.getByRole("dialog", { name: "Create variable" });
    await panel.getByRole("radio", { name: fields.type }).check();
    await panel.getByLabel("Name").fill(fields.name);
    await panel.getByLabel("Value", { exact: true }).fill(fields.value);
    if (fields.description) await panel.getByLabel("Description").fill(fields.description);
    if (fields.visibility) await panel.getByRole("radio", { name: fields.visibility }).check();
    if (fields.hosts) await panel.getByLabel("Allowed hosts").fill(fields.hosts);
    if (fields.expires) await panel.getByLabel("Expires on").fill(fields.expires);
    await panel.getByRole("button", { name: "Create" }).click();
    await expect(panel).toBeHidden();
  };
  const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  await create({ type: "Variable", name: "LAYOUT_REGION", value: "https://a-rather-long-plain-value.example.com/with/a/path/that/goes/on/and/on", description: "Where the support desk's tickets live, as a full address" });
  await create({ type: "Secret", name: "LAYOUT_MASKED_TOKEN", value: "layout-masked-value-1", visibility: "Masked" });
  await create({ type: "Secret", name: "LAYOUT_ZENDESK_API_TOKEN_WITH_A_LONG_NAME", value: "layout-restricted-1", visibility: "Restricted", hosts: "*.zendesk.com, api.example.com", expires: soon });
  // A second value, so the masked secret has a history.
  await page.getByRole("button", { name: "Edit LAYOUT_MASKED_TOKEN" }).click();
  const edit = page.getByRole("dialog", { name: "Edit LAYOUT_MASKED_TOKEN" });
  await edit.getByLabel("New value").fill("layout-masked-value-2");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();

  await addMember(page, WS, editor);

  await gotoPage(page, `/w/${WS}/workflows`);
  await waitForHydration(page);
  await page.getByRole("button", { name: "New workflow" }).click();
  await page.getByRole("dialog", { name: "New workflow" }).getByLabel("Workflow name").fill("Layout tickets");
  await page.getByRole("dialog", { name: "New workflow" }).getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name: "Layout tickets", level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Add API block" }).click();
  await page.getByLabel("URL", { exact: true }).fill("https://api.example.com/v2/tickets/search?query=status%3Aopen&sort=updated");
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("Header name 1").fill("Authorization");
  await page.getByLabel("Header value 1", { exact: true }).fill("Bearer {{secret:LAYOUT_MASKED_TOKEN}}");
  await page.getByRole("button", { name: "Save" }).first().click();
  await expect(page.getByText("Saved")).toBeVisible();
});

for (const [route, plan] of Object.entries(PLANS)) {
  test(`${route} fits 1280 and 390 px, light and dark`, async ({ page, browser }) => {
    test.setTimeout(180_000);
    await signedIn(page, owner);
    await findIds(page);
    const tab = plan.anonymous ? await (await browser.newContext()).newPage() : page;
    const slug = route.replace(/[{}]/g, "").replace(/\//g, "_") || "_";
    for (const size of SIZES) {
      await tab.setViewportSize({ width: size.width, height: size.height });
      await gotoPage(tab, plan.url(ids));
      await waitForHydration(tab);
      await checkState(tab, `${slug}-${size.name}`, null);
      for (const state of plan.states ?? []) {
        if (state.phoneOnly && size.name !== "phone") continue;
        await gotoPage(tab, plan.url(ids));
        await waitForHydration(tab);
        const within = await state.open(tab);
        await checkState(tab, `${slug}-${size.name}-${state.name}`, within);
      }
    }
  });
}

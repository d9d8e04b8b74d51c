import { test, expect } from "./fixtures";

test("an unknown address shows the 404 page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("keyboard users can skip to the content", async ({ page }) => {
  await page.goto("/login");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
});

// The budget (SPEC): 150 KB compressed for a page's whole first load. The
// exact check, per page, is tests/api/page_weight.rs; this one measures what
// Chromium really transferred (headers included) and how it was encoded.
const FIRST_LOAD_BUDGET = 150 * 1024;

test("a first load stays within the budget, with the bundle sent as brotli", async ({ page }) => {
  const encodings: Record<string, string> = {};
  page.on("response", (r) => {
    if (r.url().includes("/pkg/")) encodings[new URL(r.url()).pathname] = r.headers()["content-encoding"] ?? "";
  });
  await page.goto("/login");
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  const bytes = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
    const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    return [...nav, ...resources].reduce((sum, e) => sum + e.transferSize, 0);
  });
  console.log(`first load of /login: ${bytes} bytes transferred`);
  expect(bytes).toBeGreaterThan(10_000); // the bundle was counted
  expect(bytes).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
  expect(encodings["/pkg/varvault_forms.wasm"]).toBe("br");
  expect(encodings["/pkg/varvault_forms.js"]).toBe("br");
});

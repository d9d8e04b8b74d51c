import { test, expect } from "@playwright/test";

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

// The budget is 300 KB compressed for a whole first load. It is NOT met
// yet (387 KB on 2026-11-26, see BENCHMARKS.md): this guards against the
// bundle growing further while the fix (code splitting) is pending.
const FIRST_LOAD_CEILING = 400 * 1024;

test("a first load is measured and does not grow past its ceiling", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  const bytes = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
    const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    return [...nav, ...resources].reduce((sum, e) => sum + e.transferSize, 0);
  });
  console.log(`first load: ${bytes} bytes transferred`);
  expect(bytes).toBeGreaterThan(10_000); // the bundle was counted
  expect(bytes).toBeLessThanOrEqual(FIRST_LOAD_CEILING);
});

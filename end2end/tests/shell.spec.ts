import { test, expect } from "@playwright/test";
import { waitForHydration } from "./helpers";

test("the home page hydrates: a click asks the server without a reload", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Variables & secrets for your workflows",
  );
  await waitForHydration(page);

  // A marker on window survives only if the page is not reloaded.
  await page.evaluate(() => ((window as any).__noReload = true));
  const status = page.getByRole("status");
  await expect(status).toHaveText("Not checked yet.");

  await page.getByRole("button", { name: "Check connection" }).click();
  await expect(status).toHaveText("Server and database are reachable.");
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test("an unknown address shows the 404 page", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Back to start" }).click();
  await expect(page).toHaveURL("/");
});

test("keyboard users can skip to the content", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
});

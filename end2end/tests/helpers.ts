import { expect, type Page } from "@playwright/test";

/** Waits until the WASM bundle has loaded and hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

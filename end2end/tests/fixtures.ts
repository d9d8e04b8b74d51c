import { test as base, expect } from "@playwright/test";

/**
 * Every test fails on a Content-Security-Policy violation: the pages are
 * served with a strict CSP (a nonce for the hydration script), and
 * whatever it blocks must be found here, not by users.
 */
export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on("console", (msg) => {
        if (/Content Security Policy|securitypolicyviolation/i.test(msg.text())) violations.push(msg.text());
      });
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) =>
          console.error(`securitypolicyviolation: ${e.violatedDirective} ${e.blockedURI}`),
        );
      });
      await use();
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page } from "@playwright/test";

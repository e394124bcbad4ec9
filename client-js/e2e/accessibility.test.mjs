// Accessibility in Chromium with axe-core: no serious or critical WCAG 2.1 AA
// violation in the widget or the console, at every step of a chat, in light
// and dark mode, in English and Chinese.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { agentSend, openWidget, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser, visitorSend } from "./harness.mjs";

const env = useServerAndBrowser();

async function assertAccessible(page, where) {
  assert.deepEqual(await seriousViolations(page), [], `${where}: serious accessibility violations`);
}

describe("accessibility", () => {
  for (const [locale, colorScheme] of [["en-US", "light"], ["zh-CN", "dark"]]) {
    test(`widget and console through a whole chat (${locale}, ${colorScheme})`, async () => {
      const agent = await signInAgent(env.browser, env.server, "alice");
      await agent.emulateMedia({ colorScheme });
      await assertAccessible(agent, "console, waiting");
      const visitor = await openWidget(env.browser, env.server, { locale });
      await visitor.emulateMedia({ colorScheme });
      await assertAccessible(visitor, "widget, pre-chat form");
      await startChat(visitor, { message: "My deposit 0xfeed42 has not arrived", name: "Ada A11y" });
      await visitor.locator("#parley-widget .msg.system").first().waitFor();
      await selectChat(agent, "Ada A11y");
      await agentSend(agent, "Let me check that for you.");
      await visitor.locator("#parley-widget .msg", { hasText: "Let me check" }).waitFor();
      // The transcript is a live region: a new message is added to it, what was
      // there stays the same element (a screen reader does not read it again).
      await visitor.locator("#parley-widget .msg", { hasText: "Let me check" }).evaluate((el) => { el.dataset.probe = "kept"; });
      await visitorSend(visitor, "Thanks");
      await agent.locator(".transcript .msg", { hasText: "Thanks" }).waitFor();
      await agentSend(agent, "Found it: 0xfeed42 is confirmed.");
      await visitor.locator("#parley-widget .msg", { hasText: "is confirmed" }).waitFor();
      assert.equal(await visitor.locator('#parley-widget .msg[data-probe="kept"]', { hasText: "Let me check" }).count(), 1);
      // The visitor's own messages say whose they are, to a screen reader too.
      const mine = visitor.locator("#parley-widget .msg.mine", { hasText: "Thanks" });
      assert.match(await mine.textContent(), locale === "zh-CN" ? /^我: Thanks/ : /^You: Thanks/);
      await assertAccessible(visitor, "widget, chatting");
      await assertAccessible(agent, "console, chatting");
      await agent.getByRole("button", { name: "Close chat" }).click();
      await visitor.locator("#parley-widget .star").first().waitFor();
      await visitor.locator("#parley-widget .star").nth(3).click();
      await assertAccessible(visitor, "widget, rating");
    });
  }

  test("the console's sign-in page", async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.server.url}/console`);
    await page.getByLabel("Agent ID").waitFor();
    await assertAccessible(page, "console sign-in");
    await context.close();
  });
});

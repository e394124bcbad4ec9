// End to end in Chromium against the real server: widget and console.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { agentCloseChat, agentSend, selectChat, openWidget, signInAgent, startChat, useServerAndBrowser, visitorSend } from "./harness.mjs";

// Everything the console and the widget do stays within the pages' policies (checked after each test).
const env = useServerAndBrowser();

const widgetMessages = (page) => page.locator("#parley-widget .msg:not(.system)");

describe("widget and console", () => {
  test("the site's icon is served (no 404 in every browser's first request)", async () => {
    const res = await fetch(`${env.server.url}/favicon.ico`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/x-icon");
    assert.ok((await res.arrayBuffer()).byteLength > 0);
  });

  test("a visitor and an agent complete a chat, and the rating is recorded", async () => {
    const agent = await signInAgent(env.browser, env.server, "alice");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "My deposit has not arrived", transactionId: "0xfeed42", name: "Li Wei" });
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Alice" }).waitFor();
    // The visitor sees who is with them: the agent's name and initials.
    assert.equal(await visitor.locator("#parley-widget header .avatar").textContent(), "A");

    await selectChat(agent, "Li Wei");
    await agent.locator(".transcript .msg", { hasText: "My deposit has not arrived" }).waitFor();
    assert.equal(await agent.locator(".context .tx").textContent(), "0xfeed42");
    assert.match(await agent.title(), /\(\d\) Parley Console|Parley Console/);

    await agentSend(agent, "Hello Li Wei, let me check 0xfeed42.");
    await visitor.locator("#parley-widget .msg", { hasText: "let me check 0xfeed42" }).waitFor();
    assert.equal(await visitor.locator("#parley-widget .msg", { hasText: "let me check 0xfeed42" }).locator(".avatar").textContent(), "A");
    await visitorSend(visitor, "Thank you!");
    await agent.locator(".transcript .msg", { hasText: "Thank you!" }).waitFor();
    // The visitor's own message is stored and the agent has it.
    await visitor.locator('#parley-widget .msg.mine[data-state="delivered"], #parley-widget .msg.mine[data-state="read"]', { hasText: "Thank you!" }).waitFor();

    await agent.getByRole("button", { name: "Close chat" }).click();
    await visitor.locator("#parley-widget .star").nth(4).click();
    await visitor.locator("#parley-widget .rating textarea").fill("Very quick");
    await visitor.locator("#parley-widget .rating .primary").click();
    await visitor.locator("#parley-widget .notice", { hasText: "Thank you for your feedback" }).waitFor();
    await agent.locator(".rating", { hasText: "Rated 5/5 Very quick" }).waitFor();
    await agent.context().close();
    await visitor.context().close();
  });

  test("the visitor reloads mid-chat and the transcript is intact", async () => {
    const agent = await signInAgent(env.browser, env.server, "bob");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Withdrawal pending for 2 hours", category: "3", name: "Reload Rita" });
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Bob" }).waitFor();
    await selectChat(agent, "Reload Rita");
    await agentSend(agent, "One moment please");
    await visitor.locator("#parley-widget .msg", { hasText: "One moment please" }).waitFor();
    await visitorSend(visitor, "Sure");
    await agent.locator(".transcript .msg", { hasText: "Sure" }).waitFor();
    const before = await widgetMessages(visitor).allTextContents();

    await visitor.reload();
    await agentSend(agent, "Sent while you were reloading");
    // The panel was open: it is open again after the reload, with nothing to click.
    await visitor.locator("#parley-widget .msg", { hasText: "Sent while you were reloading" }).waitFor();
    assert.equal(await visitor.locator("#parley-widget .panel").isVisible(), true);
    const afterReload = await widgetMessages(visitor).allTextContents();
    assert.equal(afterReload.length, before.length + 1, "nothing missing, nothing twice");
    assert.deepEqual(afterReload.slice(0, before.length).map(strip), before.map(strip));
    await agentCloseChat(agent);
    await agent.context().close();
    await visitor.context().close();
  });

  test("escalation reaches the tier-2 console with the notes", async () => {
    const tier2 = await signInAgent(env.browser, env.server, "tina", { online: false });
    const agent = await signInAgent(env.browser, env.server, "carol");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Trade executed at the wrong price", category: "4", transactionId: "T-99812", name: "Escalated Ed" });
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Carol" }).waitFor();
    await selectChat(agent, "Escalated Ed");
    await agent.locator(".transcript .msg", { hasText: "wrong price" }).waitFor();

    await agent.getByRole("button", { name: "Escalate to tier 2" }).click();
    await agent.getByLabel("Reason").fill("Matching engine question");
    await agent.getByLabel("Internal note for tier 2").fill("Order book snapshot needed for T-99812");
    await agent.locator(".escalate-dialog button[type=submit]").click();

    // Waiting in the tier-2 queue: the note is visible and the transcript can be previewed.
    const waiting = tier2.locator(".queue-item", { hasText: "Escalated Ed" });
    await waiting.locator(".note", { hasText: "Order book snapshot needed" }).waitFor();
    await waiting.getByRole("button", { name: "Preview transcript" }).click();
    await waiting.locator(".preview .msg", { hasText: "wrong price" }).waitFor();
    await tier2.getByLabel("Status").selectOption({ label: "Online" });
    await selectChat(tier2, "Escalated Ed");
    await tier2.locator("main .transcript .msg", { hasText: "wrong price" }).waitFor();
    await tier2.locator(".notes .note", { hasText: "Order book snapshot needed" }).waitFor();
    await visitor.locator("#parley-widget .status", { hasText: "Senior support: Tina" }).waitFor();
    assert.equal(await visitor.locator("#parley-widget", { hasText: "Order book snapshot" }).count(), 0, "notes never reach the visitor");
    await agentSend(tier2, "I am looking at the order book now.");
    await visitor.locator("#parley-widget .msg", { hasText: "order book now" }).waitFor();
    await agentCloseChat(tier2);
    for (const p of [tier2, agent, visitor]) await p.context().close();
  });

  test("an agent transfers a chat to a colleague with an internal note", async () => {
    const alice = await signInAgent(env.browser, env.server, "alice");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Refund for a cancelled order", category: "5", name: "Transfer Tom" });
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Alice" }).waitFor();
    const bob = await signInAgent(env.browser, env.server, "bob");
    await selectChat(alice, "Transfer Tom");
    await alice.locator(".roster-item", { hasText: "Bob" }).locator(".dot.online").waitFor();
    await alice.getByLabel("Transfer to").selectOption({ label: "Bob" });
    await alice.getByRole("button", { name: "Transfer" }).click();
    await alice.getByLabel("Note for the next agent").fill("Order #4411, refund approved by finance");
    await alice.locator(".transfer-dialog button[type=submit]").click();
    await selectChat(bob, "Transfer Tom");
    await bob.locator(".notes .note", { hasText: "refund approved by finance" }).waitFor();
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Bob" }).waitFor();
    assert.equal(await visitor.locator("#parley-widget", { hasText: "finance" }).count(), 0, "the note stays internal");
    await agentCloseChat(bob);
  });

  test("the widget speaks zh-CN", async () => {
    const visitor = await openWidget(env.browser, env.server, { locale: "zh-CN" });
    assert.equal(await visitor.locator("#parley-widget .launcher").getAttribute("aria-label"), "联系客服");
    await visitor.locator("#parley-widget form.prechat", { hasText: "请描述您的问题" }).waitFor();
    await startChat(visitor, { message: "充值没有到账" });
    await visitor.locator("#parley-widget .status", { hasText: "您当前排在第 1 位" }).waitFor();
    const focusedInPanel = await visitor.evaluate(() => {
      const root = document.querySelector("#parley-widget").shadowRoot;
      return root.activeElement !== null && root.querySelector(".panel").contains(root.activeElement);
    });
    assert.equal(focusedInPanel, true, "focus stays in the panel");
    await visitor.keyboard.press("Escape");
    assert.equal(await visitor.locator("#parley-widget .panel").isHidden(), true, "Esc closes the panel");
    await visitor.locator("#parley-widget .launcher").click();
    // System messages come as codes: the visitor reads them in Chinese, the agent in English.
    const agent = await signInAgent(env.browser, env.server, "dora");
    await visitor.locator("#parley-widget .msg.system", { hasText: "客服 Dora 已加入会话。" }).waitFor();
    assert.equal(await visitor.locator("#parley-widget .msg.system", { hasText: "joined the chat" }).count(), 0);
    await visitor.locator("#parley-widget .actions button", { hasText: "结束会话" }).click();
    await visitor.locator("#parley-widget .rating", { hasText: "请为本次服务评分" }).waitFor();
    await visitor.locator("#parley-widget .msg.system", { hasText: "您已结束本次会话。" }).waitFor();
    await agent.locator(".transcript .msg.system", { hasText: "The visitor ended the chat." }).waitFor();
  });

  test("visitor text is shown as text in the console and the widget, never run", async () => {
    const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
    const agent = await signInAgent(env.browser, env.server, "alice");
    // The page URL (sent as page_url and shown to the agent) carries a payload too.
    const visitor = await openWidget(env.browser, env.server, { path: `/?q="><img src=x onerror=window.__xss=5>#<svg onload=window.__xss=6>` });
    await startChat(visitor, { message: payload, transactionId: `"><img src=x onerror=window.__xss=3>`, name: `<b onmouseover=window.__xss=4>x</b>`,
      subject: `<iframe src="javascript:window.__xss=7"></iframe>` });
    await selectChat(agent, "<b onmouseover");
    await agent.locator(".transcript .msg", { hasText: "<img src=x" }).waitFor();
    await visitor.locator("#parley-widget .msg", { hasText: "<img src=x" }).waitFor();
    assert.equal(await agent.evaluate(() => window.__xss), undefined);
    assert.equal(await visitor.evaluate(() => window.__xss), undefined);
    assert.equal(await agent.locator(".transcript img").count(), 0);
    assert.equal(await agent.locator(".context img, .context svg, .context b").count(), 0);
    assert.match(await agent.locator(".context").textContent(), /q=/);
    assert.match(await agent.locator(".context .subject").textContent(), /<iframe/);
    assert.equal(await agent.locator(".context iframe").count(), 0);
    await agentCloseChat(agent);
    await agent.context().close();
    await visitor.context().close();
  });

  test("console sign-in: a wrong password is explained; signing out ends the sign-in on every tab", async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.server.url}/console`);
    await page.getByLabel("Agent ID").fill("alice");
    await page.getByLabel("Password").fill("not-her-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong agent ID or password." }).waitFor();
    await page.getByLabel("Password").fill("alice-secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".topbar .capacity").waitFor();
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("parley.console.v1")).sessionToken);
    assert.match(token, /^pst_[0-9a-f]{64}$/);
    assert.equal(await page.evaluate(() => JSON.stringify(sessionStorage).includes("alice-secret")), false);

    // A second tab with the same sign-in (sessionStorage is copied to a tab opened from this one).
    const [second] = await Promise.all([context.waitForEvent("page"), page.evaluate(() => window.open("/console"))]);
    await second.locator(".topbar .capacity").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    // The env.server closed the other tab's connection (4001): it is back at the sign-in form too.
    await second.getByRole("button", { name: "Sign in" }).waitFor();
    await second.getByRole("alert").filter({ hasText: "signed out" }).waitFor();
    await context.close();
  });
});

function strip(text) {
  return text.replace(/\s+/g, " ").trim();
}

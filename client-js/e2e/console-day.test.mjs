// The console as an agent uses it every hour (issue 12): what is typed is
// never sent twice nor lost, and what is unread is marked until it is seen.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { agentCloseChat, agentSend, openWidget, selectChat, signInAgent, startChat, useServerAndBrowser, visitorSend } from "./harness.mjs";

const env = useServerAndBrowser();

const reply = (page) => page.locator("textarea.reply-text");
const note = (page) => page.getByLabel("Add an internal note");
const seen = (visitor, text) => visitor.locator("#parley-widget .msg:not(.mine)", { hasText: text });

describe("the console, every hour", () => {
  test("the reply box is empty after sending, and a second Enter sends nothing", async () => {
    const agent = await signInAgent(env.browser, env.server, "alice");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Where is my deposit?", name: "Twice Tom" });
    await selectChat(agent, "Twice Tom");

    await agentSend(agent, "Checking your deposit now");
    await seen(visitor, "Checking your deposit now").waitFor();
    assert.equal(await reply(agent).inputValue(), "");
    await reply(agent).press("Enter");  // nothing left to send
    await reply(agent).fill("Found it");
    await agent.getByRole("button", { name: "Send", exact: true }).click();
    await seen(visitor, "Found it").waitFor();
    assert.equal(await reply(agent).inputValue(), "");
    assert.equal(await seen(visitor, "Checking your deposit now").count(), 1, "the customer sees the message once");
    assert.equal(await agent.locator(".transcript .msg.mine", { hasText: "Checking your deposit now" }).count(), 1);
    await agentCloseChat(agent);  // Alice's one slot is free for a later test
  });

  test("a reply and a note being typed survive new messages, and each chat keeps its own", async () => {
    const agent = await signInAgent(env.browser, env.server, "carol");  // two chats at once
    const first = await openWidget(env.browser, env.server);
    await startChat(first, { message: "Withdrawal stuck", category: "3", name: "Draft Dan" });
    await agent.getByRole("tab", { name: /Draft Dan/ }).waitFor();
    const second = await openWidget(env.browser, env.server);
    await startChat(second, { message: "Cannot log in", category: "1", name: "Other Olga" });
    await agent.getByRole("tab", { name: /Other Olga/ }).waitFor();

    await selectChat(agent, /Draft Dan/);
    await reply(agent).fill("Your withdrawal is in the");
    await note(agent).fill("Checked the hot wallet: fine");
    await visitorSend(first, "Any news?");  // an event: the console renders again
    await agent.locator(".transcript .msg", { hasText: "Any news?" }).waitFor();
    await visitorSend(second, "Hello?");    // and another, for the other chat
    await agent.getByRole("tab", { name: /Other Olga/ }).locator(".unread").waitFor();
    assert.equal(await reply(agent).inputValue(), "Your withdrawal is in the");
    assert.equal(await note(agent).inputValue(), "Checked the hot wallet: fine");

    await selectChat(agent, /Other Olga/);
    assert.equal(await reply(agent).inputValue(), "");
    assert.equal(await note(agent).inputValue(), "");
    await reply(agent).fill("Let me reset");
    await selectChat(agent, /Draft Dan/);
    assert.equal(await reply(agent).inputValue(), "Your withdrawal is in the");
    assert.equal(await note(agent).inputValue(), "Checked the hot wallet: fine");
    await agent.getByRole("button", { name: "Add note" }).click();
    await agent.locator(".notes .note", { hasText: "Checked the hot wallet: fine" }).waitFor();
    assert.equal(await note(agent).inputValue(), "");
    for (const name of [/Draft Dan/, /Other Olga/]) {  // Carol's slots are free for the next test
      await selectChat(agent, name);
      await agent.getByRole("button", { name: "Close chat" }).click();
      await agent.getByText("This chat is closed.").waitFor();
    }
  });

  test("every message reaches Read while the agent has the chat open, and other chats count their unread", async () => {
    const agent = await signInAgent(env.browser, env.server, "carol");
    const first = await openWidget(env.browser, env.server);
    await startChat(first, { message: "Deposit 1 missing", name: "Read Rosa" });
    await agent.getByRole("tab", { name: /Read Rosa/ }).waitFor();
    const second = await openWidget(env.browser, env.server);
    await startChat(second, { message: "Deposit 2 missing", name: "Count Carl" });
    await agent.getByRole("tab", { name: /Count Carl/ }).waitFor();
    await selectChat(agent, /Read Rosa/);

    for (const text of ["first detail", "second detail", "third detail"]) {
      await visitorSend(first, text);
      await first.locator('#parley-widget .msg.mine[data-state="read"]', { hasText: text }).waitFor();
    }
    await visitorSend(second, "one");
    await visitorSend(second, "two");
    const badge = agent.getByRole("tab", { name: /Count Carl/ }).locator(".unread");
    await badge.filter({ hasText: "3" }).waitFor();  // the opening message and two more
    assert.match(await agent.title(), /^\(3\) /);
    assert.equal(await agent.getByRole("tab", { name: /Read Rosa/ }).locator(".unread").count(), 0);

    await selectChat(agent, /Count Carl/);
    await second.locator('#parley-widget .msg.mine[data-state="read"]', { hasText: "two" }).waitFor();
    assert.equal(await badge.count(), 0);
    assert.equal(await agent.title(), "Parley Console");
  });

  test("a refused action is explained: Accept with no free slot", async () => {
    const agent = await signInAgent(env.browser, env.server, "alice");  // one chat at a time
    const first = await openWidget(env.browser, env.server);
    await startChat(first, { message: "First in line", name: "Busy Bea" });
    await agent.getByRole("tab", { name: /Busy Bea/ }).waitFor();
    const second = await openWidget(env.browser, env.server);
    await startChat(second, { message: "Second in line", name: "Queued Quinn", transactionId: "0x" + "9f".repeat(63) });
    const waiting = agent.locator(".queue-item", { hasText: "Queued Quinn" });
    // A long transaction id wraps inside its card instead of running out of it.
    const card = await waiting.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(card.scroll <= card.client, `queue card overflows: ${card.scroll} > ${card.client}`);
    await waiting.getByRole("button", { name: "Accept" }).click();
    const notice = agent.getByRole("alert").filter({ hasText: "no free chat slot" });
    await notice.waitFor();
    assert.match(await notice.textContent(), /Close or transfer a chat first/);
    await notice.getByRole("button", { name: "Dismiss" }).click();
    await notice.waitFor({ state: "detached" });
    assert.equal(await agent.locator(".transcript .msg", { hasText: "Second in line" }).count(), 0);
    // The waiting visitor gives up: nothing is left in the queue for the next test.
    await second.locator("#parley-widget .actions button", { hasText: "End chat" }).click();
    await second.locator("#parley-widget .rating").waitFor();
  });

  test("a visitor who closed the page shows as gone, and as back when they return", async () => {
    const agent = await signInAgent(env.browser, env.server, "bob");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Is my account frozen?", category: "1", name: "Leaving Lee" });
    await selectChat(agent, /Leaving Lee/);
    const presence = agent.locator(".context .presence");
    await presence.filter({ hasText: "Here" }).waitFor();
    const context = visitor.context();
    await visitor.close();  // the tab is closed
    await presence.filter({ hasText: "Left the page since" }).waitFor();
    const again = await context.newPage();  // and the site opened again: the chat resumes
    await again.goto(env.server.url);
    await presence.filter({ hasText: "Here" }).waitFor();
    await context.close();  // gone for good
    await presence.filter({ hasText: "Left the page since" }).waitFor();
    await agentCloseChat(agent);  // the agent acts on it: the slot is free again
  });

  test("desktop notifications, once turned on, tell a hidden console about new chats and messages", async () => {
    const agent = await signInAgent(env.browser, env.server, "dora");
    // The browser's notification service is the operating system's: stand in for it, and record.
    await agent.evaluate(() => {
      window.shown = [];
      window.Notification = class {
        static permission = "default";
        static requestPermission() { this.permission = "granted"; return Promise.resolve("granted"); }
        constructor(title, options) { window.shown.push(`${title} | ${options.body}`); }
        close() {}
      };
    });
    await agent.getByRole("button", { name: "Notifications off" }).click();
    await agent.getByRole("button", { name: "Notifications on" }).waitFor();
    const hide = (hidden) => agent.evaluate((h) => {
      Object.defineProperty(document, "hidden", { value: h, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
    await hide(true);

    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Card payment failed twice", name: "Notify Nina" });
    await agent.waitForFunction(() => window.shown.length === 1);
    await visitorSend(visitor, "Are you there?");
    await agent.waitForFunction(() => window.shown.length === 2);
    assert.deepEqual(await agent.evaluate(() => window.shown),
      ["New chat: Notify Nina | Card payment failed twice", "Notify Nina | Are you there?"]);

    await hide(false);  // looking at the console: no notification, the chat is read
    await visitorSend(visitor, "Hello?");
    await agent.locator(".transcript .msg", { hasText: "Hello?" }).waitFor();
    assert.equal(await agent.evaluate(() => window.shown.length), 2);
    await agentCloseChat(agent);
  });

  test("keyboard shortcuts for the common moves, listed by '?', and the system's dark mode", async () => {
    const agent = await signInAgent(env.browser, env.server, "bob");
    const visitor = await openWidget(env.browser, env.server);
    await startChat(visitor, { message: "Withdrawal address whitelist", category: "3", name: "Keys Kim" });
    await agent.getByRole("tab", { name: /Keys Kim/ }).waitFor();
    await agent.locator("body").click({ position: { x: 5, y: 300 } });  // nothing focused

    await agent.keyboard.press("?");
    const help = agent.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.getByText("Next chat with unread messages").waitFor();
    await agent.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });

    await agent.keyboard.press("Alt+KeyR");
    assert.equal(await agent.evaluate(() => document.activeElement?.className), "reply-text");
    await agent.keyboard.press("Alt+KeyM");  // works while typing, too
    assert.equal(await agent.evaluate(() => document.activeElement?.className), "note-text");
    agent.once("dialog", (d) => d.accept());  // "Close the chat with Keys Kim?"
    await agent.keyboard.press("Alt+KeyC");
    await agent.getByText("This chat is closed.").waitFor();

    await agent.emulateMedia({ colorScheme: "dark" });
    assert.equal(await agent.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(16, 20, 27)");
    await agent.emulateMedia({ colorScheme: "light" });
    assert.equal(await agent.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(238, 241, 245)");
  });
});

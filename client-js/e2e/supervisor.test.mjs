// End to end in Chromium: a supervisor's live view. Sam sees Alice's chat in
// progress, follows it read-only (both sides' messages arrive live), joins by
// writing (the visitor sees it once, by name), reassigns it to Bob and closes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { agentSend, openWidget, seriousViolations, signInAgent, startChat, useServerAndBrowser, visitorSend } from "./harness.mjs";

const env = useServerAndBrowser();

test("a supervisor follows a chat in progress, joins it, reassigns it and closes it", async () => {
  const alice = await signInAgent(env.browser, env.server, "alice");
  const sam = await signInAgent(env.browser, env.server, "sam", { online: false });
  await sam.getByText("No chats in progress").waitFor();
  assert.equal(await alice.locator(".progress-item").count(), 0);  // agents do not see the others' chats

  const visitor = await openWidget(env.browser, env.server);
  await startChat(visitor, { message: "My withdrawal is stuck", name: "Wang Fang", category: "3" });
  const item = sam.locator(".progress-item", { hasText: "Wang Fang" });
  await item.locator(".meta", { hasText: "with Alice" }).waitFor();
  await sam.getByRole("heading", { name: "In progress (1)" }).waitFor();

  await item.getByRole("button", { name: "Watch the chat with Wang Fang" }).click();
  await sam.getByRole("status").filter({ hasText: "Watching Alice's chat" }).waitFor();
  await sam.locator(".topbar .capacity", { hasText: "watching 1" }).waitFor();  // not "0/3 chats": supervisors take none
  await sam.locator(".transcript .msg", { hasText: "My withdrawal is stuck" }).waitFor();
  // Live, both sides.
  await agentSend(alice, "Let me check the chain for you.");
  await sam.locator(".transcript .msg", { hasText: "Let me check the chain for you." }).waitFor();
  await visitorSend(visitor, "Thanks, it is TRC-20");
  await sam.locator(".transcript .msg", { hasText: "Thanks, it is TRC-20" }).waitFor();
  assert.deepEqual(await seriousViolations(sam, ".layout"), []);

  // Joining: the supervisor writes; the visitor and Alice see it once, by name.
  const box = sam.locator("textarea.reply-text");
  await box.fill("I am the team lead, we are on it.");
  await box.press("Enter");
  assert.equal(await box.inputValue(), "");
  const seen = visitor.locator("#parley-widget .msg", { hasText: "I am the team lead, we are on it." });
  await seen.waitFor();
  assert.equal(await seen.count(), 1);
  await alice.locator(".transcript .msg", { hasText: "I am the team lead, we are on it." }).locator(".who", { hasText: "Sam" }).waitFor();
  await sam.locator('.transcript .msg.mine', { hasText: "I am the team lead" }).waitFor();

  // Reassign to Bob: the chat leaves Alice, the watch goes on.
  const bob = await signInAgent(env.browser, env.server, "bob");
  await sam.getByLabel("Transfer to").selectOption({ label: "Bob" });
  await sam.getByRole("button", { name: "Reassign" }).click();
  await sam.locator("dialog.transfer-dialog").getByRole("button", { name: "Transfer" }).click();
  await alice.getByText(/No longer yours/).waitFor();
  await bob.locator(".transcript .msg", { hasText: "My withdrawal is stuck" }).waitFor();
  await sam.getByRole("status").filter({ hasText: "Watching Bob's chat" }).waitFor();
  await agentSend(bob, "Hello, Bob here.");
  await sam.locator(".transcript .msg", { hasText: "Hello, Bob here." }).waitFor();

  // Close: everyone sees it closed; nothing is in progress any more.
  await sam.getByRole("button", { name: "Close chat" }).click();
  await sam.getByText("This chat is closed.").waitFor();
  await bob.getByText("This chat is closed.").waitFor();
  await visitor.locator("#parley-widget .rating").waitFor();
  await sam.getByRole("heading", { name: "In progress (0)" }).waitFor();
});

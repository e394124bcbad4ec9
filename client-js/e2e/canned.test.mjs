// End to end in Chromium: canned responses kept by the server. A supervisor
// shares one with the team in the console's dialog, an agent saves their own,
// then inserts the shared one in a Chinese chat by typing "/" and a few
// letters: the Chinese text, with the visitor's name and transaction id
// filled in, reaches the visitor once and the reply box is empty again.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWidget, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const data = mkdtempSync(join(tmpdir(), "parley-e2e-canned-"));
const env = useServerAndBrowser(["--data-dir", data]);
after(() => rmSync(data, { recursive: true, force: true }));

async function saveInDialog(page, { shortcut, title, en = "", zh = "", share = "Only me" }) {
  const dialog = page.locator("dialog.canned-dialog");
  await dialog.getByLabel("Shortcut").fill(shortcut);
  await dialog.getByLabel("Title").fill(title);
  await dialog.getByLabel("English text").fill(en);
  await dialog.getByLabel("Chinese text").fill(zh);
  await dialog.getByLabel("Shared with").selectOption({ label: share });
  await dialog.getByRole("button", { name: /^Save/ }).click();
  await dialog.locator(`.canned-list li[data-shortcut="${shortcut}"]`).waitFor();
}

test("a shared canned response is inserted with '/' in the chat's language, placeholders filled", async () => {
  const sam = await signInAgent(env.browser, env.server, "sam", { online: false });
  await sam.getByRole("button", { name: "Canned responses" }).click();
  await saveInDialog(sam, {
    shortcut: "deposit-late", title: "Deposit not credited yet", share: "Shared: Everyone",
    en: "Hello {visitor_name}, deposit {transaction_id} is confirming.",
    zh: "{visitor_name}您好，您的充值 {transaction_id} 正在确认中。",
  });
  assert.deepEqual(await seriousViolations(sam), [], "the canned responses dialog is accessible");
  await sam.locator("dialog.canned-dialog").getByRole("button", { name: "Close" }).click();

  const alice = await signInAgent(env.browser, env.server, "alice");
  await alice.getByRole("button", { name: "Canned responses" }).click();
  const dialog = alice.locator("dialog.canned-dialog");
  await saveInDialog(alice, { shortcut: "thanks", title: "Thanks", en: "Thank you, {visitor_name}!" });
  // Hers she may edit; the shared one she may not; starters are listed read-only.
  assert.equal(await dialog.getByRole("button", { name: "Edit /thanks" }).count(), 1);
  assert.equal(await dialog.getByRole("button", { name: "Edit /deposit-late" }).count(), 0);
  await dialog.locator('.canned-list li[data-shortcut="greeting"]', { hasText: "starter" }).waitFor();
  // Only supervisors may share: she is offered "Only me" and nothing else.
  assert.deepEqual(await dialog.getByLabel("Shared with").locator("option").allTextContents(), ["Only me"]);
  await dialog.getByRole("button", { name: "Close" }).click();

  const visitor = await openWidget(env.browser, env.server, { locale: "zh-CN" });
  await startChat(visitor, { message: "我的充值还没到账", transactionId: "0xabc123", name: "王芳" });
  await selectChat(alice, "王芳");
  const box = alice.locator("textarea.reply-text");
  await box.pressSequentially("/dep");
  const options = alice.getByRole("listbox", { name: "Canned responses" }).getByRole("option");
  await options.first().waitFor();
  // Shortcuts that start so first, then titles with the word (a starter here).
  assert.deepEqual(await options.allTextContents(), ["/deposit-late Deposit not credited yet", "/confirmations Deposit confirmations"]);
  await box.press("Enter");  // inserts, does not send
  assert.equal(await box.inputValue(), "王芳您好，您的充值 0xabc123 正在确认中。");
  assert.equal(await options.count(), 0);
  await box.press("Enter");  // sends
  await visitor.locator("#parley-widget .msg", { hasText: "您的充值 0xabc123 正在确认中" }).waitFor();
  assert.equal(await box.inputValue(), "");
  assert.equal(await visitor.locator("#parley-widget .msg", { hasText: "正在确认中" }).count(), 1);

  // Esc dismisses the list and leaves what was typed; Up/Down choose among several.
  await box.pressSequentially("/");
  await options.first().waitFor();
  assert.ok((await options.count()) >= 3, "her own, the shared one and the starters");
  await box.press("Escape");
  assert.equal(await options.count(), 0);
  assert.equal(await box.inputValue(), "/");
  await box.pressSequentially("th");
  await options.filter({ hasText: "/thanks Thanks" }).waitFor();
  await box.press("Tab");
  assert.equal(await box.inputValue(), "Thank you, 王芳!");  // only English: the fallback
});

test("an agent does not see another agent's own responses", async () => {
  const bob = await signInAgent(env.browser, env.server, "bob");
  await bob.getByRole("button", { name: "Canned responses" }).click();
  const dialog = bob.locator("dialog.canned-dialog");
  await dialog.locator('.canned-list li[data-shortcut="deposit-late"]').waitFor();
  assert.equal(await dialog.locator('.canned-list li[data-shortcut="thanks"]').count(), 0);
});

// End to end in Chromium: an agent finds an earlier chat in the console by a
// Chinese word and by its transaction id, and reads it whole, against a real
// server keeping its records in a temporary data directory.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCloseChat, agentSend, openWidget, selectChat, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const data = mkdtempSync(join(tmpdir(), "parley-e2e-search-"));
const env = useServerAndBrowser(["--data-dir", data]);
after(() => rmSync(data, { recursive: true, force: true }));

test("an agent finds an earlier chat by a Chinese word and by its transaction id, and reads it", async () => {
  // Earlier: a withdrawal chat in Chinese, answered and closed.
  const alice = await signInAgent(env.browser, env.server, "alice");
  const visitor = await openWidget(env.browser, env.server, { locale: "zh-CN" });
  await startChat(visitor, { message: "我的提现还没有到账，已经两个小时了", transactionId: "0xbeef77", name: "王芳", category: "3" });
  await selectChat(alice, "王芳");
  await agentSend(alice, "您好，我们正在核实这笔交易");
  await visitor.locator("#parley-widget .msg", { hasText: "我们正在核实" }).waitFor();
  await agentCloseChat(alice);
  await visitor.context().close();

  // Now: search for it.
  await alice.getByRole("button", { name: "Search past chats" }).click();
  const dialog = alice.locator("dialog.search-dialog");
  await dialog.getByLabel("Search past chats").fill("提现");
  await dialog.getByRole("button", { name: "Search" }).click();
  const hit = dialog.locator(".search-results li", { hasText: "王芳" });
  await hit.waitFor();
  assert.equal(await dialog.locator(".search-results li").count(), 1);
  assert.equal(await hit.locator("mark").first().textContent(), "提现");

  await dialog.getByLabel("Search past chats").fill("0xbeef77");
  await dialog.getByRole("button", { name: "Search" }).click();
  await dialog.locator(".search-results .meta", { hasText: "tx 0xbeef77" }).waitFor();
  await dialog.locator(".search-results .hit").first().click();
  const past = dialog.locator(".past-chat");
  await past.locator(".msg", { hasText: "您好，我们正在核实这笔交易" }).waitFor();
  await past.locator(".msg", { hasText: "我的提现还没有到账" }).waitFor();

  // A word nobody wrote finds nothing, and says so.
  await dialog.getByLabel("Search past chats").fill("提款");
  await dialog.getByRole("button", { name: "Search" }).click();
  await dialog.locator(".search-results", { hasText: "No chats found." }).waitFor();
});

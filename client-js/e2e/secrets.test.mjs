// End to end in Chromium: a recovery phrase or a private key never leaves the
// browser. The widget holds it back and says why in the visitor's language,
// keeping the text to edit; the console does the same for an agent. (The
// server masks whatever gets past: tests/unit/test_service.cpp.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { agentSend, newContext, repo, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser, visitorSend } from "./harness.mjs";

const env = useServerAndBrowser();
const corpus = JSON.parse(readFileSync(`${repo}/tests/data/secrets-corpus.json`, "utf8")).cases;
const sample = (what) => corpus.find((c) => c.what === what).text;

test("a Chinese visitor's recovery phrase is held back and explained; the agent never sees it; the next message goes", async () => {
  const agent = await signInAgent(env.browser, env.server, "alice");
  const context = await newContext(env.browser, { locale: "zh-CN" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  await startChat(page, { message: "我的钱包被盗了", name: "Zhou" });
  await w.locator(".status", { hasText: "Alice" }).waitFor();
  await selectChat(agent, "Zhou");

  const phrase = sample("12 English words (valid checksum)");
  await visitorSend(page, phrase);
  const warning = w.locator(".secret-warning");
  await warning.filter({ hasText: "未发送：内容中似乎包含助记词" }).waitFor();
  assert.match(await warning.textContent(), /客服绝不会向您索要助记词/);
  assert.equal(await w.locator(".composer textarea").inputValue(), phrase);  // kept, to edit
  assert.deepEqual(await seriousViolations(page, "#parley-widget"), []);

  // Sent in two halves: the second is held back too.
  const words = phrase.split(" ");
  await visitorSend(page, words.slice(0, 6).join(" "));
  await agent.locator(".transcript .msg", { hasText: words.slice(0, 6).join(" ") }).waitFor();
  await visitorSend(page, words.slice(6).join(" "));
  await warning.filter({ hasText: "助记词" }).waitFor();
  assert.equal(await w.locator(".composer textarea").inputValue(), words.slice(6).join(" "));

  await visitorSend(page, "那我该怎么办？");
  await agent.locator(".transcript .msg", { hasText: "那我该怎么办？" }).waitFor();
  assert.equal(await warning.isHidden(), true);
  assert.equal(await agent.locator(".transcript .msg", { hasText: words.slice(6).join(" ") }).count(), 0);

  // The agent cannot send a key either.
  const key = sample("WIF, compressed").replace("here is my key ", "");
  await agentSend(agent, `try importing ${key}`);
  await agent.locator(".secret-warning", { hasText: "Not sent: this looks like a private key" }).waitFor();
  assert.equal(await agent.locator("textarea.reply-text").inputValue(), `try importing ${key}`);
  await agentSend(agent, "Please never share your recovery phrase with anyone.");
  await w.locator(".msg", { hasText: "Please never share your recovery phrase" }).waitFor();
  assert.equal(await w.locator(".msg", { hasText: key }).count(), 0);
  await context.close();
});

test("a private key in the first message is held back before the chat starts, in English", async () => {
  const context = await newContext(env.browser, { locale: "en-US" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  const text = sample("64 hex after 'private key'");
  const before = (await env.server.health()).open_conversations;
  await startChat(page, { message: text, name: "Kim" });
  await w.locator("form.prechat p.error", { hasText: "Not sent: this looks like a private key" }).waitFor();
  assert.match(await w.locator("form.prechat p.error").textContent(), /Support will never ask for your recovery phrase/);
  assert.equal(await w.locator("textarea[name=message]").inputValue(), text);
  assert.equal(await w.locator("form.prechat").isVisible(), true);  // no chat was started
  assert.equal((await env.server.health()).open_conversations, before);
  await context.close();
});

// End to end in Chromium: after a chat the visitor has its transcript
// e-mailed (the mail itself is checked against a real SMTP server in the C++
// integration tests); in Chinese; three times at most, then told why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCloseChat, newContext, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const data = mkdtempSync(join(tmpdir(), "parley-e2e-transcript-"));
const env = useServerAndBrowser(["--data-dir", data]);

test("a Chinese visitor has the ended chat e-mailed to the address they gave, three times at most", async () => {
  const agent = await signInAgent(env.browser, env.server, "carol");
  const context = await newContext(env.browser, { locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  await w.locator("form.prechat input[name=email]").fill("wang@example.com");
  await startChat(page, { message: "提现一直没到账", name: "王芳" });
  await w.locator(".status", { hasText: "Carol" }).waitFor();
  const form = w.locator("form.transcript-mail");
  assert.equal(await form.isHidden(), true);  // not while chatting

  await selectChat(agent, "王芳");
  await agentCloseChat(agent);
  await form.waitFor();
  assert.equal(await form.locator("input[name=transcriptEmail]").inputValue(), "wang@example.com");
  assert.deepEqual(await seriousViolations(page, "#parley-widget"), []);
  const ask = form.getByRole("button", { name: "将本次会话记录发送到我的邮箱" });
  const status = form.locator(".transcript-status");
  for (let i = 0; i < 3; i++) {
    await ask.click();
    await status.filter({ hasText: "已发送至 wang@example.com" }).waitFor();
    await status.evaluate((e) => { e.textContent = ""; });
  }
  await ask.click();
  await status.filter({ hasText: "本次会话记录已发送过三次。" }).waitFor();

  // A bad address is caught before anything is sent.
  await form.locator("input[name=transcriptEmail]").fill("not an address");
  await ask.click();
  await status.filter({ hasText: "请输入一个有效的电子邮箱地址。" }).waitFor();
  // Rating still works beside it.
  await w.locator(".star").nth(4).click();
  await w.locator(".rating .primary").click();
  await w.locator(".notice", { hasText: "感谢您的反馈" }).waitFor();
  assert.equal(await form.isVisible(), true);
  await context.close();
});

// Every refusal a visitor can meet is explained in their language, and what
// they typed is kept (issue 12).
import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import { closeAll, cspViolations, launchBrowser, openWidget, startChat, startServer } from "./harness.mjs";

let server, browser;
before(async () => {
  // One new chat per address per minute: the second visitor from 127.0.0.1 is refused.
  server = await startServer(["--new-chats-per-ip-per-minute", "1"]);
  browser = await launchBrowser();
});
afterEach(async () => {
  await closeAll(server);
  assert.deepEqual(cspViolations.splice(0), []);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a chat start refused for too many new chats keeps the text and says why, in zh-CN and in English", async () => {
  const first = await openWidget(browser, server);
  await startChat(first, { message: "My deposit is late" });
  await first.locator("#parley-widget footer textarea, #parley-widget .composer textarea").first().waitFor();

  for (const [locale, expected] of [["zh-CN", /新会话过多/], ["en-US", /Too many new chats/]]) {
    const visitor = await openWidget(browser, server, { locale });
    const text = `提现失败 withdrawal 0xabc (${locale})`;
    await startChat(visitor, { message: text, transactionId: "0xabc" });
    const reason = visitor.locator("#parley-widget form.prechat .error");
    await reason.waitFor();
    assert.match(await reason.textContent(), expected);
    assert.equal(await visitor.locator("#parley-widget textarea[name=message]").inputValue(), text);
    assert.equal(await visitor.locator("#parley-widget input[name=transactionId]").inputValue(), "0xabc");
    assert.equal(await visitor.locator("#parley-widget form.prechat button[type=submit]").isEnabled(), true);
  }
});

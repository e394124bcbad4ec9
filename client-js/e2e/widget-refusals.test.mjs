// Every refusal a visitor can meet is explained in their language, and what
// they typed is kept (issue 12).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openWidget, startChat, useServerAndBrowser } from "./harness.mjs";

// One new chat per address per minute: the second visitor from 127.0.0.1 is refused.
const env = useServerAndBrowser(["--new-chats-per-ip-per-minute", "1"]);

test("a chat start refused for too many new chats keeps the text and says why, in zh-CN and in English", async () => {
  const first = await openWidget(env.browser, env.server);
  await startChat(first, { message: "My deposit is late" });
  await first.locator("#parley-widget footer textarea, #parley-widget .composer textarea").first().waitFor();

  for (const [locale, expected] of [["zh-CN", /新会话过多/], ["en-US", /Too many new chats/]]) {
    const visitor = await openWidget(env.browser, env.server, { locale });
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

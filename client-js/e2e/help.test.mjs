// End to end in Chromium: the help center. Its pages render in Chinese and
// English (and on a phone) with no script and no policy violation; the
// widget suggests articles as a visitor describes the problem, and one opens
// in a new tab; an agent puts an article's link in a reply from the console
// and the visitor gets it once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { newContext, openWidget, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const env = useServerAndBrowser();

test("the help pages render in Chinese and English, link their translations, and fit a phone", async () => {
  for (const [locale, heading, other] of [["zh-CN", "帮助中心", "English"], ["en-US", "Help center", "中文"]]) {
    const context = await newContext(env.browser, { locale, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${env.server.url}/help`);  // redirected by the browser's language
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    assert.equal(await page.locator("script").count(), 0);
    const links = page.locator(".category a");
    assert.ok((await links.count()) >= 12);
    // Nothing wider than the phone.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    assert.deepEqual(await seriousViolations(page), [], `${locale} index is accessible`);
    await links.first().click();
    await page.locator("article h1").waitFor();
    const title = await page.locator("article h1").textContent();
    await page.getByRole("link", { name: other }).click();  // the same article in the other language
    await page.locator("article h1").waitFor();
    assert.notEqual(await page.locator("article h1").textContent(), title);
    assert.equal(new URL(page.url()).pathname.split("/").pop(), new URL(page.url()).pathname.split("/").pop());
    // Search without JavaScript: a form and a results page.
    await page.getByRole("searchbox").fill(locale === "zh-CN" ? "reset 2fa" : "重置二次验证");
    await page.getByRole("searchbox").press("Enter");
    await page.locator(".results li a").first().waitFor();
    assert.match(await page.locator(".results li a").first().getAttribute("href"), /\/reset-2fa$/);
  }
});

test("the widget suggests articles as the visitor types, in their language, and one opens in a new tab", async () => {
  const visitor = await openWidget(env.browser, env.server, { locale: "zh-CN" });
  const suggestions = visitor.locator("#parley-widget .suggestions a");
  await visitor.locator("#parley-widget textarea[name=message]").pressSequentially("提现一直在处理中");
  await suggestions.first().waitFor();
  assert.ok((await suggestions.count()) <= 3);
  assert.match(await suggestions.first().getAttribute("href"), /\/help\/zh-CN\/withdrawal-delays\?ref=widget&visitor=[\w-]+$/);
  assert.equal(await visitor.locator("#parley-widget .suggestions p").textContent(), "这些文章也许能解答您的问题");
  const [article] = await Promise.all([visitor.context().waitForEvent("page"), suggestions.first().click()]);
  await article.locator("article h1", { hasText: "提现" }).waitFor();
  // Clearing the description clears the suggestions; the form is untouched by them.
  await visitor.locator("#parley-widget textarea[name=message]").fill("");
  await visitor.locator("#parley-widget textarea[name=message]").dispatchEvent("input");
  await visitor.locator("#parley-widget .suggestions").waitFor({ state: "hidden" });
});

test("an agent puts a help article's link in a reply; the visitor gets it once", async () => {
  const alice = await signInAgent(env.browser, env.server, "alice");
  const visitor = await openWidget(env.browser, env.server, { locale: "en-US" });
  await startChat(visitor, { message: "I lost my phone with the authenticator", name: "Ana" });
  await selectChat(alice, "Ana");
  const box = alice.locator("textarea.reply-text");
  await box.fill("This explains the steps:");
  await alice.getByRole("button", { name: "Help article…" }).click();
  const dialog = alice.locator("dialog.articles-dialog");
  await dialog.getByRole("searchbox", { name: "Search help articles" }).fill("authenticator lost");
  await dialog.locator('li[data-article="reset-2fa"]').waitFor();
  assert.deepEqual(await seriousViolations(alice, "dialog.articles-dialog"), [], "the article dialog is accessible");
  await dialog.locator('li[data-article="reset-2fa"] button.insert-article').click();
  await dialog.waitFor({ state: "detached" });
  const link = `${env.server.url}/help/en/reset-2fa`;
  assert.equal(await box.inputValue(), `This explains the steps: Reset two-factor authentication (2FA): ${link}`);
  await box.press("Enter");
  await visitor.locator("#parley-widget .msg", { hasText: link }).waitFor();
  assert.equal(await box.inputValue(), "");
  assert.equal(await visitor.locator("#parley-widget .msg", { hasText: link }).count(), 1);
});

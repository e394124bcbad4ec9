// The widget where visitors really meet it: a 1366x768 laptop and a 390x844
// phone, on the demo exchange page (issue 12).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openWidget, useServerAndBrowser } from "./harness.mjs";

const env = useServerAndBrowser();

// Where an element of the widget is, in the page's viewport.
const box = (page, selector) => page.evaluate((s) => {
  const r = document.querySelector("#parley-widget").shadowRoot.querySelector(s).getBoundingClientRect();
  return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
}, selector);

test("on a 1366x768 laptop the Start button is in view without scrolling", async () => {
  const visitor = await openWidget(env.browser, env.server, { viewport: { width: 1366, height: 768 } });
  await visitor.locator("#parley-widget form.prechat").waitFor();
  const start = await box(visitor, "form.prechat button[type=submit]");
  const body = await box(visitor, ".body");
  assert.ok(start.top >= body.top && start.bottom <= body.bottom, `Start at ${start.top}-${start.bottom}, form ${body.top}-${body.bottom}`);
  assert.ok(start.bottom <= 768);
});

test("on a 390x844 phone the page does not widen past the screen, and the launcher and close button are on it", async () => {
  const visitor = await openWidget(env.browser, env.server, { viewport: { width: 390, height: 844 } });
  const width = await visitor.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  const close = await box(visitor, "header .icon-button");
  assert.ok(close.left >= 0 && close.right <= 390 && close.top >= 0, `close button at ${JSON.stringify(close)}`);
  await visitor.locator("#parley-widget header .icon-button").click();
  const launcher = await box(visitor, ".launcher");
  assert.ok(launcher.left >= 0 && launcher.right <= 390 && launcher.bottom <= 844, `launcher at ${JSON.stringify(launcher)}`);
});

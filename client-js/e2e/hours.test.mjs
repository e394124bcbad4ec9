// End to end in Chromium: business hours in the widget. Before starting, the
// visitor reads whether the chosen topic is served now: closed with the next
// opening in their own time zone, or open with the wait once an agent is
// online; the operator edits the hours file and the open widget follows.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWidget, signInAgent, useServerAndBrowser } from "./harness.mjs";

const dir = mkdtempSync(join(tmpdir(), "parley-e2e-hours-"));
const file = join(dir, "hours.json");
const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
// Deposits: open only 09:00-10:00 UTC, two days from now, so closed now with a known next opening.
const opening = new Date();
opening.setUTCDate(opening.getUTCDate() + 2);
opening.setUTCHours(9, 0, 0, 0);
writeFileSync(file, JSON.stringify({
  deposit: { time_zone: "UTC", weekly: { [days[opening.getUTCDay()]]: ["09:00-10:00"] } },
}));
const env = useServerAndBrowser(["--hours", file]);
after(() => rmSync(dir, { recursive: true, force: true }));

test("the widget says when a closed topic opens, in the visitor's zone, and the wait where an agent is online", async () => {
  const visitor = await openWidget(env.browser, env.server, { locale: "en-US", timezoneId: "Asia/Shanghai" });
  const status = visitor.locator("#parley-widget .availability");
  await visitor.locator("#parley-widget select[name=category]").selectOption("2");  // deposit
  const weekday = new Intl.DateTimeFormat("en-US", { weekday: "long", timeZone: "Asia/Shanghai" }).format(opening);
  await status.filter({ hasText: "We are closed now." }).waitFor();
  const text = await status.textContent();
  assert.match(text, new RegExp(`Back ${weekday}.*05:00 PM, your time`), text);  // 09:00 UTC is 17:00 in Shanghai

  // Withdrawals have no hours file entry: open round the clock, but nobody is online yet.
  await visitor.locator("#parley-widget select[name=category]").selectOption("3");
  await status.filter({ hasText: "No agent is online right now" }).waitFor();
  // An agent signs in and goes online: the visitor's form says so by itself.
  await signInAgent(env.browser, env.server, "alice");
  await status.filter({ hasText: /An agent is available\. Estimated wait: about \d+ min\./ }).waitFor();

  // The operator opens deposits round the clock: the open widget follows, no reload.
  writeFileSync(file, JSON.stringify({ deposit: { time_zone: "Asia/Shanghai", weekly: Object.fromEntries(days.map((d) => [d, ["00:00-24:00"]])) } }));
  await visitor.locator("#parley-widget select[name=category]").selectOption("2");
  await status.filter({ hasText: "An agent is available" }).waitFor({ timeout: 15_000 });
});

test("in Chinese", async () => {
  writeFileSync(file, JSON.stringify({ default: { time_zone: "UTC", weekly: { [days[opening.getUTCDay()]]: ["09:00-10:00"] } } }));
  const visitor = await openWidget(env.browser, env.server, { locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  await visitor.locator("#parley-widget .availability", { hasText: "现在不在服务时间，将于" }).waitFor({ timeout: 15_000 });
  assert.match(await visitor.locator("#parley-widget .availability").textContent(), /（您当地时间）恢复服务。/);
});

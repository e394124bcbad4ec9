// End to end in Chromium: two chats served and rated, then a supervisor reads
// the report in the console: every number on screen is the API's, the agents
// table and comments match, the queue filter narrows it, the CSV downloads
// with the comment defused; agents have no Reports button.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCloseChat, agentSend, openWidget, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const data = mkdtempSync(join(tmpdir(), "parley-e2e-reports-"));
const env = useServerAndBrowser(["--data-dir", data]);
after(() => rmSync(data, { recursive: true, force: true }));

async function serveAndRate(alice, name, score, comment) {
  const visitor = await openWidget(env.browser, env.server);
  await startChat(visitor, { message: `Deposit missing for ${name}`, name });
  await selectChat(alice, name);
  await agentSend(alice, `Hello ${name}, which network?`);
  await visitor.locator("#parley-widget .msg", { hasText: "which network?" }).waitFor();
  await agentCloseChat(alice);
  await visitor.locator("#parley-widget .star").nth(score - 1).click();
  await visitor.locator("#parley-widget .rating textarea").fill(comment);
  await visitor.locator("#parley-widget .rating .primary").click();
  await visitor.locator("#parley-widget .notice", { hasText: "Thank you for your feedback" }).waitFor();
  await visitor.context().close();
}

test("a supervisor's report in the console shows the API's numbers, filters by queue and downloads as CSV", async () => {
  const alice = await signInAgent(env.browser, env.server, "alice");
  await serveAndRate(alice, "Li Wei", 5, "Very quick, thanks");
  await serveAndRate(alice, "Chen Jing", 2, "=SUM(1) slow");
  assert.equal(await alice.getByRole("button", { name: "Reports" }).count(), 0);

  const sam = await signInAgent(env.browser, env.server, "sam", { online: false });
  const loaded = sam.waitForResponse((r) => r.url().includes("/api/reports/chats?"));
  await sam.getByRole("button", { name: "Reports" }).click();
  const url = (await loaded).url();
  const dialog = sam.locator("dialog.reports-dialog");
  await dialog.locator('.tile[data-measure="started"] .value', { hasText: "2" }).waitFor();

  // The same question asked of the API directly.
  const api = await sam.evaluate(async (target) => {
    const token = JSON.parse(sessionStorage.getItem("parley.console.v1")).sessionToken;
    return (await fetch(target, { headers: { Authorization: `Bearer ${token}` } })).json();
  }, url);
  assert.equal(api.chats.started, 2);
  const shown = async (measure) => dialog.locator(`.tile[data-measure="${measure}"]`).getAttribute("data-value");
  for (const key of ["started", "answered", "abandoned", "escalated", "still_open"]) {
    assert.equal(await shown(key), String(api.chats[key]), key);
    assert.equal(await dialog.locator(`.tile[data-measure="${key}"] .value`).textContent(), String(api.chats[key]), key);
  }
  for (const [measure, stat] of [["wait", api.wait_seconds], ["first_response", api.first_response_seconds], ["handle", api.handle_seconds]]) {
    assert.equal(stat.count, 2, measure);
    assert.equal(await shown(`${measure}-median`), String(stat.median), measure);
    assert.equal(await shown(`${measure}-p90`), String(stat.p90), measure);
  }
  assert.equal(api.csat.average, 3.5);
  assert.equal(await shown("csat"), "3.5");
  assert.equal(await dialog.locator('.tile[data-measure="csat"] .value').textContent(), "3.50");
  for (const score of [1, 2, 3, 4, 5])
    assert.equal(await dialog.locator(`.distribution li[data-score="${score}"] .count`).textContent(), String(api.csat.distribution[score - 1]));
  for (const key of ["created", "answered_late", "overdue", "waiting"])
    assert.equal(await shown(`tickets-${key.replace("answered_", "")}`), String(api.tickets[key]), key);
  for (const key of ["opened", "helpful", "not_helpful"])
    assert.equal(await shown(`help-${key.replace("_", "-")}`), String(api.help[key]), key);
  const row = dialog.locator('.agents-table tr[data-agent="alice"]');
  assert.equal(await row.locator("th").textContent(), "Alice");
  assert.equal(await row.locator("td").nth(0).textContent(), "2");
  assert.equal(await row.locator("td").nth(3).textContent(), "3.50 (2)");
  // Comments, newest first, as written (text, never markup or a formula).
  assert.deepEqual(await dialog.locator(".comments li p").allTextContents(), api.csat.comments.map((c) => c.comment));
  assert.deepEqual(api.csat.comments.map((c) => c.comment), ["=SUM(1) slow", "Very quick, thanks"]);
  assert.deepEqual(await seriousViolations(sam, "dialog.reports-dialog"), []);

  // A queue with no chats.
  await dialog.getByLabel("Queue").selectOption("refund");
  await dialog.getByRole("button", { name: "Show" }).click();
  await dialog.locator('.tile[data-measure="started"][data-value="0"]').waitFor();
  await dialog.getByText("No chats were answered in this period.").waitFor();
  assert.equal(await dialog.locator('.tile[data-measure="wait-median"] .value').textContent(), "—");

  // The senior team had none of them; tier 1 had both.
  await dialog.getByLabel("Queue").selectOption("");
  await dialog.getByLabel("Team").selectOption("tier2");
  await dialog.getByRole("button", { name: "Show" }).click();
  await dialog.locator('.tile[data-measure="started"][data-value="0"]').waitFor();
  await dialog.getByLabel("Team").selectOption("tier1");
  await dialog.getByRole("button", { name: "Show" }).click();
  await dialog.locator('.tile[data-measure="started"][data-value="2"]').waitFor();

  // All teams again, as a file.
  await dialog.getByLabel("Team").selectOption("");
  const download = sam.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download CSV" }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^parley-chats-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await file.path(), "utf8");
  const lines = csv.split("\r\n").filter(Boolean);
  assert.equal(lines.length, 3);
  assert.ok(lines[0].startsWith("conversation_id,queue,started_ms,"));
  assert.ok(csv.includes(",alice,2,'=SUM(1) slow,"), csv);
  assert.ok(csv.includes(',alice,5,"Very quick, thanks",'), csv);

  // A period that ends before it starts is refused in the dialog, not sent.
  await dialog.getByLabel("From").fill("2026-12-09");
  await dialog.getByLabel("To").fill("2026-12-08");
  await dialog.getByRole("button", { name: "Show" }).click();
  await dialog.getByRole("alert").filter({ hasText: "on or before the end date" }).waitFor();
});

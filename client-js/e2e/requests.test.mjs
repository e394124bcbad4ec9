// End to end in Chromium: nobody can chat, so the widget's form leaves a
// request instead (e-mail required); the visitor is told the number and the
// reply-by time in their own zone; an agent answers the ticket; the visitor
// sees the answer when they come back in the same browser. In Chinese too.
// An agent turns a live chat into a ticket; a mail's attachments are offered
// for download in the console, by the type of their bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { deliverMail, newContext, openWidget, passwords, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const data = mkdtempSync(join(tmpdir(), "parley-e2e-requests-"));
const env = useServerAndBrowser(["--data-dir", data, "--lmtp-listen", "127.0.0.1:0"]);

async function staffToken(server, id) {
  const res = await fetch(`${server.url}/api/login`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ agent_id: id, password: passwords[id] }),
  });
  return (await res.json()).token;
}

test("with nobody online the form leaves a request; the agent's answer is there when the visitor comes back", async () => {
  const context = await newContext(env.browser, { locale: "en-US", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  await w.locator(".availability", { hasText: "No agent is online right now." }).waitFor();
  const submit = w.locator("form.prechat button[type=submit]");
  await submit.filter({ hasText: "Send request" }).waitFor();
  await w.locator("select[name=category]").selectOption("2");
  await w.locator("textarea[name=message]").fill("My deposit 0xfeed99 has not arrived");
  await w.locator("input[name=transactionId]").fill("0xfeed99");
  // The e-mail is needed now: without it nothing is sent.
  await submit.click();
  assert.equal(await w.locator("input[name=email]").evaluate((e) => e === e.getRootNode().activeElement), true);
  assert.equal(await w.locator(".request-sent").isHidden(), true);
  await w.locator("input[name=email]").fill("ada@example.com");
  await submit.click();
  const sent = w.locator(".request-sent");
  await sent.filter({ hasText: /Request #1001 received\. We will answer by .+ \(your time\), at ada@example\.com\./ }).waitFor();
  assert.equal(await w.locator("textarea[name=message]").inputValue(), "");
  await w.locator(".requests .request", { hasText: "#1001" }).waitFor();
  assert.deepEqual(await seriousViolations(page, "#parley-widget"), []);

  // An agent answers from the tickets API.
  const token = await staffToken(env.server, "alice");
  const list = await (await fetch(`${env.server.url}/api/tickets`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.equal(list.tickets.length, 1);
  assert.equal(list.tickets[0].subject, "");
  const reply = await fetch(`${env.server.url}/api/tickets/${list.tickets[0].id}/reply`, {
    method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ text: "Your deposit is credited now: it needed 12 confirmations.", client_message_id: "r1" }),
  });
  assert.equal(reply.status, 200);

  // The visitor comes back (same browser): the answer is shown, once.
  await page.reload();
  await page.locator("#parley-widget .launcher").click();
  const mine = w.locator(".requests .request", { hasText: "#1001" });
  await mine.filter({ hasText: "answered" }).waitFor();
  assert.equal(await mine.locator(".request-reply").count(), 1);
  assert.match(await mine.locator(".request-reply").textContent(), /Alice, support.*Your deposit is credited now/s);
  await context.close();
});

test("in Chinese", async () => {
  const context = await newContext(env.browser, { locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  await w.locator(".availability", { hasText: "目前没有在线客服。" }).waitFor();
  await w.locator("form.prechat button[type=submit]", { hasText: "提交请求" }).waitFor();
  await w.locator("textarea[name=message]").fill("提现一直没有到账");
  await w.locator("input[name=email]").fill("wang@example.com");
  await w.locator("form.prechat button[type=submit]").click();
  await w.locator(".request-sent", { hasText: /已收到请求 #1002。我们将在 .+（您当地时间）之前回复至 wang@example\.com。/ }).waitFor();
  await context.close();
});

test("the console's tickets inbox: by deadline, claim, reply (the box empties), and the requester sees it", async () => {
  const context = await newContext(env.browser, { locale: "en-US", timezoneId: "Europe/London" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  await w.locator("form.prechat button[type=submit]", { hasText: "Send request" }).waitFor();
  await w.locator("textarea[name=message]").fill("Withdrawal stuck for two days");
  await w.locator("input[name=subject]").fill("Withdrawal stuck");
  await w.locator("input[name=email]").fill("bo@example.com");
  await w.locator("form.prechat button[type=submit]").click();
  await w.locator(".request-sent", { hasText: "received" }).waitFor();

  const agent = await signInAgent(env.browser, env.server, "bob", { online: false });
  await agent.locator("button.tickets-open").click();
  const inbox = agent.locator("dialog.tickets-dialog");
  const row = inbox.locator(".ticket-row", { hasText: "Withdrawal stuck" });
  await row.waitFor();
  // Sorted by deadline: the earlier requests of this run come first.
  const numbers = await inbox.locator(".ticket-row").evaluateAll((rows) => rows.map((r) => Number(r.dataset.number)));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  assert.match(await row.textContent(), /unassigned.*due /s);
  await row.click();
  await inbox.locator(".ticket-actions button", { hasText: "Claim" }).click();
  await inbox.locator(".ticket-view .meta", { hasText: "owner Bob" }).waitFor();
  const reply = inbox.locator("textarea[name=reply]");
  await reply.fill("We released your withdrawal; it is on the chain now.");
  await inbox.locator("button", { hasText: "Send reply" }).click();
  await inbox.locator(".ticket-view .msg.staff", { hasText: "We released your withdrawal" }).waitFor();
  assert.equal(await inbox.locator("textarea[name=reply]").inputValue(), "");
  assert.equal(await inbox.locator(".ticket-view .msg.staff").count(), 1);
  // No relay is configured here: the agent sees the mail waiting, not lost.
  await inbox.locator(".ticket-view .mail.queued").waitFor();
  assert.deepEqual(await seriousViolations(agent, "dialog.tickets-dialog"), []);

  await page.reload();
  await page.locator("#parley-widget .launcher").click();
  await w.locator(".requests .request", { hasText: "Withdrawal stuck" }).filter({ hasText: "We released your withdrawal" }).waitFor();
  await context.close();
});

test("an agent makes a ticket of a live chat: the Chinese visitor is told the number and deadline in Chinese, the agent owns it", async () => {
  const agent = await signInAgent(env.browser, env.server, "alice");
  const context = await newContext(env.browser, { locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const visitor = await context.newPage();
  await visitor.goto(env.server.url + "/");
  await visitor.locator("#parley-widget .launcher").click();
  const w = visitor.locator("#parley-widget");
  await w.locator("input[name=email]").fill("zhao@example.com");
  await startChat(visitor, { message: "充值三天没有到账", transactionId: "0xdead01", name: "Zhao", subject: "充值未到账" });
  await w.locator(".status", { hasText: "Alice" }).waitFor();

  await selectChat(agent, "Zhao");
  await agent.getByRole("button", { name: "Make ticket" }).click();
  const dialog = agent.locator("dialog.make-ticket-dialog");
  // What the visitor gave is filled in.
  assert.equal(await dialog.locator("input[name=email]").inputValue(), "zhao@example.com");
  assert.equal(await dialog.locator("input[name=subject]").inputValue(), "充值未到账");
  assert.deepEqual(await seriousViolations(agent, "dialog.make-ticket-dialog"), []);
  await dialog.getByRole("button", { name: "Make ticket" }).click();
  const made = dialog.locator(".made");
  await made.filter({ hasText: /Ticket #\d+ made, due .+\. The visitor was told\./ }).waitFor();
  const number = /#(\d+)/.exec(await made.textContent())[1];
  // Pressed again (a double click, a retry): still one ticket.
  assert.equal(await dialog.getByRole("button", { name: "Make ticket" }).isHidden(), true);

  // The visitor reads it once, in Chinese, with the deadline in their own time.
  const notice = w.locator(".msg.system", { hasText: `请求 #${number}` });
  await notice.waitFor();
  assert.match(await notice.textContent(), /需要进一步核查.*之前通过邮件答复您/);
  assert.equal(await notice.count(), 1);

  // The agent owns it, and it remembers the chat's transaction id.
  await dialog.getByRole("button", { name: "Close" }).click();
  await agent.locator("button.tickets-open").click();
  const inbox = agent.locator("dialog.tickets-dialog");
  await inbox.getByLabel("Whose").selectOption("mine");
  const row = inbox.locator(".ticket-row", { hasText: "充值未到账" });
  await row.waitFor();
  assert.equal(await inbox.locator(".ticket-row", { hasText: "充值未到账" }).count(), 1);
  await row.click();
  await inbox.locator(".ticket-view .meta", { hasText: "owner Alice" }).waitFor();
  await inbox.locator(".ticket-view", { hasText: "0xdead01" }).waitFor();
  await context.close();
});

test("a mail's attachments in the console: the screenshot downloads, the program dressed as a picture is not offered", async () => {
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const program = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAA";
  const mail = [
    "From: Ada <ada.files@example.com>", "To: support@parley.invalid", "Subject: Failed withdrawal, screenshot attached",
    "Message-ID: <e2e-files-1@example.com>", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b1"', "",
    "--b1", "Content-Type: text/plain; charset=utf-8", "", "My withdrawal failed, the screenshot is attached.",
    "--b1", "Content-Type: image/png", 'Content-Disposition: attachment; filename="withdrawal.png"', "Content-Transfer-Encoding: base64", "", png,
    "--b1", "Content-Type: image/png", 'Content-Disposition: attachment; filename="invoice.png"', "Content-Transfer-Encoding: base64", "", program,
    "--b1--", ""].join("\n");
  assert.match(await deliverMail(env.server, "ada.files@example.com", "support@parley.invalid", mail), /^250 2\.0\.0 stored on request #\d+/);

  const agent = await signInAgent(env.browser, env.server, "bob", { online: false });
  await agent.locator("button.tickets-open").click();
  const inbox = agent.locator("dialog.tickets-dialog");
  await inbox.locator(".ticket-row", { hasText: "Failed withdrawal" }).click();
  const files = inbox.locator(".ticket-view ul.attachments li");
  await files.first().waitFor();
  assert.equal(await files.count(), 2);
  const offered = inbox.getByRole("button", { name: /withdrawal\.png \(\d+ B\)/ });
  const refused = inbox.locator(".attachment.refused", { hasText: "invoice.png" });
  assert.match(await refused.textContent(), /not offered, a .+ file is not accepted/);
  assert.equal(await inbox.getByRole("button", { name: /invoice\.png/ }).count(), 0);

  const [download] = await Promise.all([agent.waitForEvent("download"), offered.click()]);
  assert.equal(download.suggestedFilename(), "withdrawal.png");
  const bytes = await readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(await seriousViolations(agent, "dialog.tickets-dialog"), []);
});

test("a Chinese visitor waiting while nobody is online leaves the chat as a request: told why, e-mail kept, the chat ends with the number, no rating", async () => {
  const agent = await signInAgent(env.browser, env.server, "dora");
  // Dora (one chat at a time) is busy with someone else.
  const first = await openWidget(env.browser, env.server);
  await startChat(first, { message: "Busy chat", name: "First" });
  await first.locator("#parley-widget .status", { hasText: "chatting with Dora" }).waitFor();

  const context = await newContext(env.browser, { locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  await page.goto(env.server.url + "/");
  await page.locator("#parley-widget .launcher").click();
  const w = page.locator("#parley-widget");
  await w.locator("form.prechat input[name=email]").fill("chen@example.com");
  await startChat(page, { message: "提现五个小时还没到账", transactionId: "0xbeef77", name: "Chen" });
  await w.locator(".status", { hasText: "排" }).waitFor();
  const offer = w.locator("form.request-offer");
  // Someone serves the queue: waiting is worth it, nothing is offered.
  assert.equal(await offer.isHidden(), true);

  // Dora steps away: nobody who serves the queue is online now.
  await agent.getByLabel("Status").selectOption({ label: "Away" });
  await offer.locator(".offer-reason", { hasText: "目前没有在线客服。您可以将问题转为请求" }).waitFor();
  assert.equal(await offer.locator("input[name=requestEmail]").inputValue(), "chen@example.com");
  assert.deepEqual(await seriousViolations(page, "#parley-widget"), []);
  await offer.getByRole("button", { name: "转为请求" }).click();

  // The chat says the number and deadline in Chinese, once, and ends without a rating.
  const notice = w.locator(".msg.system", { hasText: "已转为请求 #" });
  await notice.waitFor();
  assert.equal(await notice.count(), 1);
  await w.locator(".rating .request-left", { hasText: "您的问题已转为请求" }).waitFor();
  assert.equal(await w.locator(".rating .star").count(), 0);
  assert.equal(await offer.isHidden(), true);
  const number = /#(\d+)/.exec(await notice.textContent())[1];

  // A new chat's form lists the request; an agent has it with what was typed.
  await w.getByRole("button", { name: "发起新的咨询" }).click();
  await w.locator(".requests .request", { hasText: `#${number}` }).waitFor();
  const token = await staffToken(env.server, "bob");
  const list = await (await fetch(`${env.server.url}/api/tickets?view=unassigned`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const made = list.tickets.find((t) => t.number === Number(number));
  assert.ok(made, "the request is in the inbox");
  const full = await (await fetch(`${env.server.url}/api/tickets/${made.id}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  assert.match(full.ticket.thread[0].text, /提现五个小时还没到账/);
  assert.equal(full.ticket.transaction_id, "0xbeef77");
  await context.close();
});

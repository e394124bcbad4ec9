// The exchange's data about a verified customer beside the chat in the
// console: cards and a table from a stand-in for the exchange's endpoint
// (tests/support/context_host.py, which checks the signature), as text, the
// visitor's transaction id marked; a failing host says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { openWidget, repo, selectChat, seriousViolations, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const siteSecret = "exchange-shared-secret-0123456789abcdef";
const contextKey = "the-exchange-context-key-0123456789abcdef";
const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
function identityToken(claims) {
  const unsigned = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ iss: "exchange", ...claims })}`;
  return `${unsigned}.${createHmac("sha256", siteSecret).update(unsigned).digest("base64url")}`;
}

// The stand-in starts with the server (the server's flags name its port) and
// is ready before any test asks for a customer's data.
const host = { port: 0, child: null, ready: null };
function startHost() {
  host.port = 20000 + Math.floor(Math.random() * 20000);
  host.child = spawn("/usr/bin/python3", [`${repo}/tests/support/context_host.py`, "--port", String(host.port), "--key", contextKey],
    { stdio: ["ignore", "pipe", "inherit"] });
  host.ready = once(createInterface({ input: host.child.stdout }), "line");
}
before(async () => { await host.ready; });
after(() => host.child?.kill());

const env = useServerAndBrowser(() => {
  startHost();
  const dir = mkdtempSync(join(tmpdir(), "parley-e2e-context-"));
  writeFileSync(join(dir, "site.secret"), siteSecret + "\n");
  writeFileSync(join(dir, "context.key"), contextKey + "\n");
  return ["--data-dir", dir, "--identity-site", `exchange=${join(dir, "site.secret")}`,
    "--customer-context-url", `http://127.0.0.1:${host.port}/context`, "--customer-context-key-file", join(dir, "context.key")];
});

const verified = (browser, server, sub, name) => openWidget(browser, server, {
  config: { identityToken: identityToken({ sub, exp: Math.floor(Date.now() / 1000) + 600, email: "mei@example.com", name }) },
});

test("the agent sees the customer's account and deposits beside the chat, as text, with the transaction id marked", async () => {
  const agent = await signInAgent(env.browser, env.server, "alice");
  const visitor = await verified(env.browser, env.server, "cust-ok", "Mei Chen");
  await startChat(visitor, { message: "My USDT deposit has not arrived", transactionId: "0xfeed01" });
  await visitor.locator("#parley-widget .status", { hasText: "chatting with Alice" }).waitFor();
  await selectChat(agent, "Mei Chen");
  const panel = agent.locator(".customer-context");
  await panel.locator("h3", { hasText: "From the exchange" }).waitFor();
  await panel.locator("dd", { hasText: "active" }).waitFor();
  assert.equal(await panel.locator("dt", { hasText: "Risk score" }).count(), 0);  // for supervisors only
  // The host's HTML is shown as text: no element made of it, nothing run.
  assert.equal(await panel.locator("dd", { hasText: "<b>VIP</b><script>alert(1)</script>" }).count(), 1);
  assert.equal(await panel.locator("b, script").count(), 0);
  const marked = panel.locator("tr.tx-match");
  assert.equal(await marked.count(), 1);
  assert.match(await marked.textContent(), /USDT.*2000\.00.*0xfeed01/);
  assert.match(await panel.locator(".meta").textContent(), /^as of \d\d:\d\d/);
  assert.deepEqual(await seriousViolations(agent, ".customer-context"), []);
});

test("when the exchange fails the panel says why and offers to try again", async () => {
  const agent = await signInAgent(env.browser, env.server, "bob");
  const visitor = await verified(env.browser, env.server, "cust-500", "Failing Fay");
  await startChat(visitor, { message: "Where is my withdrawal?" });
  await visitor.locator("#parley-widget .status", { hasText: "chatting with Bob" }).waitFor();
  await selectChat(agent, "Failing Fay");
  const panel = agent.locator(".customer-context");
  await panel.locator(".error", { hasText: "Customer data unavailable (the exchange answered HTTP 500)" }).waitFor();
  await panel.getByRole("button", { name: "Try again" }).waitFor();
});

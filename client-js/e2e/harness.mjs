// Starts the real parley-server serving client-js/dist and a headless Debian
// Chromium driven by playwright-core. Used by the end-to-end tests and the
// screenshot script.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { after, afterEach, before } from "node:test";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, "../..");

export async function startServer(extraArgs = []) {
  const binary = process.env.PARLEY_SERVER ?? resolve(repo, "build/server/parley-server");
  const child = spawn(binary, [
    "--listen", "127.0.0.1:0", "--threads", "2",
    "--static-dir", resolve(repo, "client-js/dist"),
    "--agents", resolve(repo, "tests/data/agents.json"),
    "--help-dir", resolve(repo, "help"),
    // Every test visitor comes from 127.0.0.1 (unless a test sets its own limit).
    ...(extraArgs.includes("--new-chats-per-ip-per-minute") ? [] : ["--new-chats-per-ip-per-minute", "1000"]),
    // Nothing kept unless the test gives a data directory (the server's default is ./data).
    ...(extraArgs.some((a) => a === "--data-dir" || a === "--database" || a === "--redis") ? [] : ["--memory-only"]),
    ...extraArgs,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const [line] = await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => { throw new Error(`parley-server exited with ${code}`); }),
  ]);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)[1]);
  // With --lmtp-listen the same line names the mail port ("mail in over LMTP on 127.0.0.1:N").
  const lmtp = /LMTP on [^:\s]+:(\d+)/.exec(line);
  return {
    url: `http://127.0.0.1:${port}`,
    lmtpPort: lmtp ? Number(lmtp[1]) : undefined,
    async health() {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/**
 * Hands one mail to the server's LMTP listener as the site's mail server would
 * and returns the final reply line for the recipient ("250 2.0.0 stored on
 * request #N").
 */
export async function deliverMail(server, from, to, raw) {
  const { connect } = await import("node:net");
  const socket = connect(server.lmtpPort, "127.0.0.1");
  const replies = createInterface({ input: socket });
  const lines = replies[Symbol.asyncIterator]();
  // One reply, multi-line ones ("250-...") read to their last line.
  const reply = async () => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error("the LMTP listener closed the connection");
      if (value[3] !== "-") return value;
    }
  };
  const say = async (command) => { socket.write(command + "\r\n"); return reply(); };
  assert.match(await reply(), /^220/);
  assert.match(await say("LHLO e2e.example"), /^250/);
  assert.match(await say(`MAIL FROM:<${from}>`), /^250/);
  assert.match(await say(`RCPT TO:<${to}>`), /^250/);
  assert.match(await say("DATA"), /^354/);
  const body = raw.replace(/\r?\n/g, "\r\n").split("\r\n").map((l) => (l.startsWith(".") ? "." + l : l)).join("\r\n");
  const result = await say(body + (body.endsWith("\r\n") ? "" : "\r\n") + ".");
  await say("QUIT");
  socket.end();
  return result;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    // This machine's network is closed: without these Chromium keeps trying Google's hosts.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

const openContexts = new Set();
/** Content-Security-Policy violations any page reported (the console runs under a strict one). */
export const cspViolations = [];

export async function newContext(browser, options) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(10_000);
  openContexts.add(context);
  context.on("close", () => openContexts.delete(context));
  context.on("page", (page) =>
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
    }));
  return context;
}

/**
 * Closes every page opened by a test and waits until the server has seen every
 * connection go, so no agent of one test can take the next test's chat.
 */
export async function closeAll(server) {
  await Promise.all([...openContexts].map((c) => c.close()));
  const deadline = Date.now() + 10_000;
  while ((await server.health()).sessions > 0) {
    if (Date.now() > deadline) throw new Error("connections still open 10 s after their pages closed");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const passwords = { alice: "alice-secret", bob: "bob-secret-1", carol: "carol-secret", dora: "dora-secret", tina: "tina-secret", sam: "sam-secret-1" };

/** Opens the console and signs in (the account decides the role). */
export async function signInAgent(browser, server, id, { online = true } = {}) {
  const context = await newContext(browser, {});
  const page = await context.newPage();
  await page.goto(`${server.url}/console`);
  await page.getByLabel("Agent ID").fill(id);
  await page.getByLabel("Password").fill(passwords[id]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".topbar .capacity").waitFor();
  if (online) {
    await page.getByLabel("Status").selectOption({ label: "Online" });
    await page.locator(".dot.online").first().waitFor();
  }
  return page;
}

/** Opens the demo page and the widget; `config` becomes window.ParleyConfig. */
export async function openWidget(browser, server, { locale = "en-US", viewport, config, path = "/", timezoneId } = {}) {
  const context = await newContext(browser, { locale, viewport, timezoneId });
  const page = await context.newPage();
  if (config) await page.addInitScript((c) => { window.ParleyConfig = c; }, config);
  await page.goto(server.url + path);
  await page.locator("#parley-widget .launcher").click();
  return page;
}

export async function startChat(page, { message, transactionId = "", name = "", category = "2", subject = "" }) {
  await page.locator("#parley-widget select[name=category]").selectOption(category);
  await page.locator("#parley-widget textarea[name=message]").fill(message);
  if (transactionId) await page.locator("#parley-widget input[name=transactionId]").fill(transactionId);
  if (subject) await page.locator("#parley-widget input[name=subject]").fill(subject);
  if (name) await page.locator("#parley-widget input[name=name]").fill(name);
  await page.locator("#parley-widget form.prechat button[type=submit]").click();
}

export async function visitorSend(page, text) {
  const box = page.locator("#parley-widget .composer textarea");
  await box.fill(text);
  await box.press("Enter");
}

export async function agentSend(page, text) {
  const box = page.locator("textarea.reply-text");
  await box.fill(text);
  await box.press("Enter");
}

/** Brings the chat with this visitor to the front of the console. */
export async function selectChat(page, visitorName) {
  await page.getByRole("tab", { name: visitorName }).click();
}

/** Closes the selected chat from the console and waits until the server confirms. */
export async function agentCloseChat(page) {
  await page.getByRole("button", { name: "Close chat" }).click();
  await page.getByText("This chat is closed.").waitFor();
}

/**
 * The hooks every test file needs: a server (with `extraArgs`, or the result
 * of calling it, for arguments made in `before`) and a browser for the file;
 * after each test its pages are closed and no page broke the content policy.
 * Returns an object whose `server` and `browser` are set once they run.
 */
export function useServerAndBrowser(extraArgs = []) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(typeof extraArgs === "function" ? extraArgs() : extraArgs);
    env.browser = await launchBrowser();
  });
  afterEach(async () => {
    await closeAll(env.server);
    assert.deepEqual(cspViolations.splice(0), []);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

const axeSource = await import("node:fs/promises").then((fs) =>
  fs.readFile(resolve(repo, "client-js/node_modules/axe-core/axe.min.js"), "utf8"));

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page, the widget's open
 * shadow root included, and returns the serious and critical violations as
 * readable lines ("rule: target ... (summary)"). axe is evaluated through the
 * DevTools protocol, so the pages' content policy stays as it is.
 */
export async function seriousViolations(page, include = "body") {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (selector) => {
    const result = await window.axe.run(selector, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} (${n.failureSummary?.split("\n").slice(1).join(" ").trim()})`));
  }, include);
  return violations;
}

// Refreshes docs/screenshots/: the widget (open, in queue, chatting; desktop
// and mobile width) and the console, against the real server.
// Run: (cd client-js && npm run build && npm run screenshots). CJK text needs fonts-noto-cjk.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { agentSend, closeAll, launchBrowser, openWidget, repo, selectChat, signInAgent, startChat, startServer, visitorSend } from "./harness.mjs";

const out = resolve(repo, "docs/screenshots");
mkdirSync(out, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
const shot = (page, name) => page.screenshot({ path: resolve(out, `${name}.png`) });

try {
  for (const [suffix, viewport] of [["desktop", { width: 1280, height: 760 }], ["mobile", { width: 390, height: 780 }]]) {
    const visitor = await openWidget(browser, server, { viewport });
    await shot(visitor, `widget-open-${suffix}`);
    await startChat(visitor, { message: "My USDT deposit has 3/12 confirmations for an hour", transactionId: "0xabc1…23f", name: "Li Wei" });
    await visitor.locator("#parley-widget .status", { hasText: "in line" }).waitFor();
    await shot(visitor, `widget-queue-${suffix}`);
    const agent = await signInAgent(browser, server, "alice");
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Alice" }).waitFor();
    await selectChat(agent, "Li Wei");
    await agentSend(agent, "Hi Li Wei, I can see your transaction. The network is congested; it should be credited within 20 minutes.");
    await visitor.locator("#parley-widget .msg", { hasText: "congested" }).waitFor();
    await visitorSend(visitor, "Thanks! Is my balance safe?");
    await agent.locator(".transcript .msg", { hasText: "balance safe" }).waitFor();
    await agent.locator("textarea.reply-text").fill("Yes, your funds are safe.");
    await agent.locator("textarea.reply-text").press("Shift+Enter");
    await visitor.locator("#parley-widget .typing", { hasText: "typing" }).waitFor();
    await shot(visitor, `widget-chat-${suffix}`);
    if (suffix === "desktop") {
      await agent.setViewportSize({ width: 1280, height: 760 });
      await shot(agent, "console");
    }
    await agent.getByRole("button", { name: "Close chat" }).click();
    await closeAll(server);
  }
  const zh = await openWidget(browser, server, { locale: "zh-CN", viewport: { width: 1280, height: 760 } });
  await shot(zh, "widget-zh-CN");
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
}

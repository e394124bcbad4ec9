// A host site vouches for its signed-in customer: the agent sees "Verified".
import { describe, test } from "node:test";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWidget, selectChat, signInAgent, startChat, useServerAndBrowser } from "./harness.mjs";

const secret = "exchange-shared-secret-0123456789abcdef";
const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** What the host site's backend does: an HS256 JWT for its signed-in customer. */
function identityToken(claims) {
  const unsigned = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ iss: "exchange", ...claims })}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

const env = useServerAndBrowser(() => {
  const secretFile = join(mkdtempSync(join(tmpdir(), "parley-e2e-")), "exchange.secret");
  writeFileSync(secretFile, secret + "\n");
  return ["--identity-site", `exchange=${secretFile}`];
});

describe("identity from the host site", () => {
  test("a customer the site signed in is shown as verified, with the site's customer id", async () => {
    const agent = await signInAgent(env.browser, env.server, "alice");
    const exp = Math.floor(Date.now() / 1000) + 600;
    const visitor = await openWidget(env.browser, env.server, {
      config: { identityToken: identityToken({ sub: "cust-8841", exp, email: "mei@example.com", name: "Mei Chen" }) },
    });
    await startChat(visitor, { message: "Withdrawal pending for 2 hours" });
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Alice" }).waitFor();
    await selectChat(agent, "Mei Chen");
    await agent.locator(".context .verified", { hasText: "Verified" }).waitFor();
    await agent.locator(".context .customer", { hasText: "cust-8841" }).waitFor();
    await agent.locator(".context dd", { hasText: "mei@example.com" }).waitFor();
  });

  test("an expired token does not block the chat: the customer is served, not verified", async () => {
    const agent = await signInAgent(env.browser, env.server, "bob");
    const visitor = await openWidget(env.browser, env.server, {
      config: { identityToken: identityToken({ sub: "cust-1", exp: Math.floor(Date.now() / 1000) - 60 }) },
    });
    await startChat(visitor, { message: "Is this thing on?", name: "Expired Eve" });
    await visitor.locator("#parley-widget .status", { hasText: "chatting with Bob" }).waitFor();
    await selectChat(agent, "Expired Eve");
    await agent.locator(".context .unverified", { hasText: "Not verified" }).waitFor();
  });
});

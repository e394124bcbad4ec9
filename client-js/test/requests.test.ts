import { afterEach, describe, expect, test, vi } from "vitest";
import { httpBase, keepToken, keptTokens, leaveChatAsRequest, maxKept, newToken } from "../src/widget/requests";

class MemoryStorage {
  private items = new Map<string, string>();
  getItem(k: string) { return this.items.get(k) ?? null; }
  setItem(k: string, v: string) { this.items.set(k, v); }
  removeItem(k: string) { this.items.delete(k); }
  clear() { this.items.clear(); }
  key() { return null; }
  get length() { return this.items.size; }
}

describe("requests left in the widget", () => {
  test("a request's secret is 43 url-safe characters and never repeats", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = newToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(200);
  });

  test("the browser keeps the newest five secrets, each once, and ignores anything else stored there", () => {
    const s = new MemoryStorage() as unknown as Storage;
    expect(keptTokens(s)).toEqual([]);
    const tokens = Array.from({ length: 7 }, () => newToken());
    for (const t of tokens) keepToken(s, t);
    keepToken(s, tokens[6]);
    expect(keptTokens(s)).toEqual(tokens.slice(2).reverse());
    expect(keptTokens(s)).toHaveLength(maxKept);
    for (const bad of ["not json", "{\"a\":1}", "[1, \"short\", \"../../etc\"]", "null"]) {
      s.setItem("parley.requests", bad);
      expect(keptTokens(s)).toEqual([]);
    }
  });

  test("the HTTP base follows the widget's WebSocket URL", () => {
    expect(httpBase("ws://127.0.0.1:8080/ws")).toBe("http://127.0.0.1:8080");
    expect(httpBase("wss://support.example.com/ws")).toBe("https://support.example.com");
  });

  describe("leaving a waiting chat as a request", () => {
    afterEach(() => vi.unstubAllGlobals());
    const chat = { conversationId: "c_1", resumeToken: "vt_1_abc", email: "li@example.com" };

    test("sends the secret, the chat and its proof, and hands back the request", async () => {
      const calls: { url: string; body: Record<string, string> }[] = [];
      vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
        calls.push({ url, body: JSON.parse(init.body as string) });
        return new Response(JSON.stringify({ request: { number: 1004, due_ms: 5 } }), { status: 201 });
      });
      const result = await leaveChatAsRequest("http://h", chat, "tok");
      expect(calls).toEqual([{ url: "http://h/api/requests/from-chat",
        body: { token: "tok", email: "li@example.com", conversation_id: "c_1", resume_token: "vt_1_abc" } }]);
      expect(result).toMatchObject({ ok: true, token: "tok", request: { number: 1004 } });
    });

    test.each([
      ["the server's refusal", new Response(JSON.stringify({ error: "not_waiting", message: "no chat of yours is waiting" }), { status: 404 }), "not_waiting"],
      ["a limit, with when to retry", new Response(JSON.stringify({ error: "rate_limited" }), { status: 429, headers: { "Retry-After": "30" } }), "rate_limited"],
      ["a proxy's page that is not JSON", new Response("<html>bad gateway</html>", { status: 502 }), "http_502"],
    ])("%s is a code, never a throw", async (_what, response, code) => {
      vi.stubGlobal("fetch", async () => response);
      const result = await leaveChatAsRequest("http://h", chat, "tok");
      expect(result).toMatchObject({ ok: false, code });
    });

    test("no network is 'unavailable'", async () => {
      vi.stubGlobal("fetch", async () => { throw new TypeError("Failed to fetch"); });
      expect(await leaveChatAsRequest("http://h", chat, "tok")).toMatchObject({ ok: false, code: "unavailable" });
    });
  });
});

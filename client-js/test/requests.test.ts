import { describe, expect, test } from "vitest";
import { httpBase, keepToken, keptTokens, maxKept, newToken } from "../src/widget/requests";

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
});

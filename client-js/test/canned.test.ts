import { describe, expect, test } from "vitest";
import { cannedMatches, fillCanned, insertAtSlash, pickText, slashQuery, starters, withStarters, type CannedResponse } from "../src/console/canned";

const c = (shortcut: string, title: string, texts: Record<string, string> = { en: `${title} text` }): CannedResponse =>
  ({ id: shortcut, shortcut, title, texts, shared: false, team: "", mayEdit: true });

describe("canned responses in the reply box", () => {
  test("a shortcut is being typed only after '/' at the start or after a space", () => {
    const cases: [string, string | null][] = [
      ["/", ""], ["/tx", "tx"], ["hello /TX", "tx"], ["see /conf-1_a", "conf-1_a"],
      ["http://x", null], ["a/b", null], ["/tx id", null], ["", null], ["plain text", null], ["/提现", null],
      [`/${"a".repeat(33)}`, null],
    ];
    for (const [text, query] of cases) expect(slashQuery(text), text).toBe(query);
  });

  test("shortcut prefixes come first, then titles that contain the words, at most eight", () => {
    const all = [c("txid", "Ask for the TXID"), c("greeting", "Greeting"), c("confirmations", "Deposit confirmations"), c("tx-fee", "Fees")];
    expect(cannedMatches(all, "tx").map((r) => r.shortcut)).toEqual(["txid", "tx-fee"]);
    expect(cannedMatches(all, "deposit").map((r) => r.shortcut)).toEqual(["confirmations"]);
    expect(cannedMatches(all, "").length).toBe(4);
    const many = Array.from({ length: 20 }, (_, i) => c(`r${i}`, `R ${i}`));
    expect(cannedMatches(many, "r").length).toBe(8);
  });

  test("the chat's language picks the text, with the other one as a fallback", () => {
    const both = c("hi", "Hi", { en: "Hello", "zh-CN": "您好" });
    expect(pickText(both, "zh-CN")).toBe("您好");
    expect(pickText(both, "zh-TW")).toBe("您好");
    expect(pickText(both, "en-US")).toBe("Hello");
    expect(pickText(both, "")).toBe("Hello");
    expect(pickText(c("en", "E", { en: "Only English" }), "zh-CN")).toBe("Only English");
    expect(pickText(c("zh", "Z", { "zh-CN": "只有中文" }), "en")).toBe("只有中文");
  });

  test("placeholders are filled; an unknown value stays for the agent to see, other braces are left alone", () => {
    const values = { visitor_name: "Li Wei", agent_name: "Alice", transaction_id: "" };
    expect(fillCanned("Hi {visitor_name}, I am {agent_name}. {transaction_id} {other} {visitor_name}", values))
      .toBe("Hi Li Wei, I am Alice. {transaction_id} {other} Li Wei");
  });

  test("the '/query' before the caret is replaced, what follows the caret stays", () => {
    expect(insertAtSlash("Thanks! /tx", 11, "Your TXID?")).toEqual({ value: "Thanks! Your TXID?", caret: 18 });
    expect(insertAtSlash("/gr and more", 3, "Hello")).toEqual({ value: "Hello and more", caret: 5 });
  });

  test("starters fill in what the team has not saved, and malformed entries are skipped", () => {
    const shipped = starters({ responses: [{ shortcut: "greeting", title: "Greeting", texts: { en: "Hi" } }, { title: "no shortcut" }, { shortcut: "txid", title: "TXID", texts: { en: "TXID?" } }] });
    expect(shipped.map((r) => r.shortcut)).toEqual(["greeting", "txid"]);
    expect(shipped.every((r) => !r.mayEdit && r.id === "")).toBe(true);
    expect(withStarters([c("txid", "Our own")], shipped).map((r) => r.title)).toEqual(["Our own", "Greeting"]);
    expect(starters(null)).toEqual([]);
  });
});

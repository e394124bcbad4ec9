import { describe, expect, it } from "vitest";
import { suggestionHref, suggestionQuery } from "../src/widget/suggest";
import { articleReply, helpLocale } from "../src/console/articles";

describe("help suggestions while the visitor types", () => {
  it.each([
    ["", null],
    ["  ", null],
    ["提", null],
    ["hi", null],
    ["!!!???", null],
    ["提现", "提现"],
    ["2fa", "2fa"],
    ["my   withdrawal\n is late", "my withdrawal is late"],
  ])("%j asks %j", (text, query) => {
    expect(suggestionQuery(text)).toBe(query);
  });
  it("cuts a long description at 200 characters, never inside a character", () => {
    const q = suggestionQuery("提现".repeat(300))!;
    expect([...q]).toHaveLength(200);
    expect(q.endsWith("现")).toBe(true);
  });
});

describe("a suggestion's link", () => {
  it("says it came from the widget, and from which visitor", () => {
    expect(suggestionHref("https://s.example", "/help/en/reset-2fa", "v_ab-1")).toBe("https://s.example/help/en/reset-2fa?ref=widget&visitor=v_ab-1");
    expect(suggestionHref("https://s.example", "/help/en/reset-2fa", "")).toBe("https://s.example/help/en/reset-2fa?ref=widget");
    expect(suggestionHref("", "/help/en/x", "a&b=c")).toBe("/help/en/x?ref=widget&visitor=a%26b%3Dc");
  });
});

describe("help articles from the console", () => {
  it("links in the visitor's language", () => {
    expect(helpLocale("zh-CN")).toBe("zh-CN");
    expect(helpLocale("zh-TW")).toBe("zh-CN");
    expect(helpLocale("en-US")).toBe("en");
    expect(helpLocale("")).toBe("en");
    expect(articleReply("https://support.example.com", { title: "重置二次验证", url: "/help/zh-CN/reset-2fa" }))
      .toBe("重置二次验证: https://support.example.com/help/zh-CN/reset-2fa");
  });
});

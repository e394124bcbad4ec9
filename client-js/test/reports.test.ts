import { describe, expect, it } from "vitest";
import { dateValue, durationText, periodOf } from "../src/console/reports";

describe("report durations", () => {
  it.each([
    [null, "—"],
    [Number.NaN, "—"],
    [0, "0 s"],
    [0.4, "0 s"],
    [44.6, "45 s"],
    [60, "1 min"],
    [200, "3 min 20 s"],
    [3599.6, "1 h 00 min"],
    [7500, "2 h 05 min"],
    [228000, "63 h 20 min"],
  ])("%s seconds reads %s", (seconds, text) => {
    expect(durationText(seconds as number | null)).toBe(text);
  });
});

describe("report periods", () => {
  it("covers both dates whole, in local time", () => {
    const p = periodOf("2026-12-07", "2026-12-13")!;
    expect(p.fromMs).toBe(new Date(2026, 11, 7).getTime());
    expect(p.toMs).toBe(new Date(2026, 11, 14).getTime());
    expect(periodOf("2026-12-07", "2026-12-07")!.toMs).toBe(new Date(2026, 11, 8).getTime());
  });
  it.each([["2026-12-08", "2026-12-07"], ["", "2026-12-07"], ["2026-12-07", "yesterday"], ["07/12/2026", "2026-12-08"]])(
    "refuses %s to %s", (from, to) => expect(periodOf(from, to)).toBeNull());
  it("writes a date as an input's value", () => {
    expect(dateValue(new Date(2026, 0, 5))).toBe("2026-01-05");
  });
});

import { describe, expect, test } from "vitest";
import { initials } from "../src/core/dom";

describe("the agent's initials the visitor sees", () => {
  test("two letters of a Latin name, the first character of a Chinese one", () => {
    const cases: [string, string][] = [["Alice", "A"], ["Li Wei", "LW"], ["mary ann smith", "MA"], ["王芳", "王"], ["  Bob  ", "B"], ["", "?"], ["Élodie Durand", "ÉD"]];
    for (const [name, expected] of cases) expect(initials(name), name).toBe(expected);
  });
});

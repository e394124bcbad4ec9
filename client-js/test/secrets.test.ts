import { describe, expect, test } from "vitest";
import corpusFile from "../../tests/data/secrets-corpus.json";
import * as wordlists from "../src/gen/bip39";
import { SecretGuard, findSecrets, provideWordlists, sha256, wordRuns } from "../src/core/secrets";

provideWordlists(wordlists);

// The table the server's detector passes too (tests/unit/test_secrets.cpp). The
// widget knows the English and Chinese lists only: phrases in other languages
// are the server's to mask.
const corpus = corpusFile as { cases: { what: string; text: string; secret: string | null }[] };
const serverOnly = /in (japanese|spanish|french|italian|korean|czech|portuguese)/;

describe("secrets found before sending", () => {
  test.each(corpus.cases.filter((c) => !serverOnly.test(c.what)).map((c) => [c.what, c] as const))("%s", (_what, c) => {
    const kinds = findSecrets(c.text).map((f) => f.kind);
    if (c.secret === null) expect(kinds).toEqual([]);
    else expect(kinds).toContain(c.secret);
  });

  test("SHA-256 agrees with Python's hashlib at every padding boundary", () => {
    const expected: Record<number, string> = {
      0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      1: "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5",
      55: "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b",
      56: "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27",
      63: "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055",
      64: "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241",
      65: "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e",
      1000: "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371",
    };
    for (const [n, hex] of Object.entries(expected)) {
      const data = Uint8Array.from({ length: Number(n) }, (_, i) => (i * 7 + 3) & 0xff);
      expect([...sha256(data)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(hex);
    }
  });

  test("a phrase sent in parts within a minute is caught at the part that completes it", () => {
    let now = 0;
    const guard = new SecretGuard(() => now);
    const first = "legal winner thank year wave sausage";
    const rest = "worth useful legal winner thank yellow";
    expect(guard.check(first)).toEqual([]);
    guard.sent(first);
    now += 20_000;
    expect(guard.check(rest)).toEqual(["seed_phrase"]);
    now += 61_000;  // a minute later it would be a new message
    expect(guard.check(rest)).toEqual([]);
    expect(wordRuns("1. abandon 2. ability and then something else entirely")).toEqual({ leading: 2, trailing: 0, onlyWords: false });
  });
});

import { describe, expect, test } from "vitest";
import { create } from "@bufbuild/protobuf";
import { AckSchema, MessageSchema } from "../src/core/protocol";
import { Transcript } from "../src/core/transcript";

const message = (seq: number, text: string, senderId = "agent", clientMessageId = "") =>
  create(MessageSchema, { conversationId: "c1", seq: BigInt(seq), text, senderId, senderName: senderId, clientMessageId, serverTimeMs: 1000n });

describe("Transcript", () => {
  test("merges by seq, so a replay never shows anything twice", () => {
    const t = new Transcript("c1", "me");
    expect(t.addMessages([message(1, "a"), message(2, "b")])).toBe(2);
    expect(t.addMessages([message(2, "b"), message(3, "c")])).toBe(1);
    expect(t.entries().map((e) => e.text)).toEqual(["a", "b", "c"]);
    expect(t.contiguousSeq).toBe(3);
  });

  test("counts the other side's messages after the read mark, never notices or our own", () => {
    const t = new Transcript("c1", "me");
    t.addMessages([message(1, "hello", "visitor"), message(2, "details", "visitor")]);
    t.addMessages([{ ...message(3, "Alice joined", ""), system: true }, message(4, "mine", "me"), message(5, "more", "visitor")]);
    expect(t.unreadCount()).toBe(3);  // 1, 2 and 5
    t.readSeq = 4;
    expect(t.unreadCount()).toBe(1);
    t.readSeq = t.lastSeq();
    expect(t.unreadCount()).toBe(0);
  });

  test("the resume cursor stops at the first gap", () => {
    const t = new Transcript("c1", "me");
    t.addMessages([message(1, "a"), message(3, "c")]);
    expect(t.contiguousSeq).toBe(1);
    t.addMessages([message(2, "b")]);
    expect(t.contiguousSeq).toBe(3);
  });

  test("a pending message becomes numbered on ack and moves from sending to read", () => {
    const t = new Transcript("c1", "me");
    t.addMessages([message(1, "hi", "agent")]);
    t.addPending("m-1", "hello", "Me", 5);
    const pending = t.entries()[1]!;
    expect(t.stateOf(pending, true)).toBe("sending");
    expect(t.unacknowledged()).toEqual([{ clientMessageId: "m-1", text: "hello" }]);
    expect(t.acknowledge(create(AckSchema, { conversationId: "c1", clientMessageId: "m-1", seq: 2n }))).toBe(true);
    const stored = t.entries()[1]!;
    expect(stored.seq).toBe(2);
    expect(t.stateOf(stored, false)).toBe("sent");
    expect(t.stateOf(stored, true)).toBe("delivered");
    t.markPeerRead(2);
    expect(t.stateOf(stored, true)).toBe("read");
    expect(t.unacknowledged()).toEqual([]);
  });

  test("what the server masked replaces what the sender typed, in their own copy", () => {
    const t = new Transcript("c1", "me");
    t.addPending("m-2", "my key is 5Kb8kLf9zgWQnogidDA76MzPL6TsZZY36hWXMssSzNydYXYB9KF", "Me", 5);
    t.acknowledge(create(AckSchema, { conversationId: "c1", clientMessageId: "m-2", seq: 1n,
      maskedText: "my key is [private key removed]", maskedSecrets: ["private_key"] }));
    expect(t.entries()[0]).toMatchObject({ text: "my key is [private key removed]", masked: ["private_key"], seq: 1 });
  });

  test("our own message arriving in a replay clears the pending copy", () => {
    const t = new Transcript("c1", "me");
    t.addPending("m-9", "resent", "Me", 5);
    t.addMessages([message(1, "resent", "me", "m-9")]);
    expect(t.entries()).toHaveLength(1);
    expect(t.entries()[0]!.mine).toBe(true);
  });
});

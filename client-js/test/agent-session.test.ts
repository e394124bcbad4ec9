import { describe, expect, test } from "vitest";
import { create } from "@bufbuild/protobuf";
import { AgentSession } from "../src/core/agent-session";
import { ConversationState, Role, ServerFrameSchema, type ClientFrameInit } from "../src/core/protocol";

function harness() {
  const sent: ClientFrameInit[] = [];
  const newChats: string[] = [];
  const session = new AgentSession({ send: (f) => { sent.push(f); return sent.length; }, ready: true },
    { agentId: "alice", sessionToken: "pst_t", role: Role.AGENT });
  session.onNewChat = (id) => newChats.push(id);
  const server = (init: Parameters<typeof create<typeof ServerFrameSchema>>[1]) => session.handle(create(ServerFrameSchema, init));
  server({ frame: { case: "welcome", value: { participantId: "alice", displayName: "Alice", role: Role.AGENT, limits: { maxOpenChats: 3 } } } });
  return { session, sent, server, newChats };
}

const snapshot = (id: string, seqs: number[], extra = {}) => ({
  frame: { case: "conversation" as const, value: {
    info: { conversationId: id, visitorName: "V", state: ConversationState.ASSIGNED, tier: 1 },
    messages: seqs.map((s) => ({ conversationId: id, seq: BigInt(s), text: `m${s}`, senderId: "v" })),
    assignedToYou: true, ...extra,
  } },
});

describe("AgentSession", () => {
  test("an assigned chat opens once with its transcript and notes; a resume snapshot adds only what is new", () => {
    const { session, server, newChats } = harness();
    server(snapshot("c1", [1, 2], { notes: [{ conversationId: "c1", text: "escalated", kind: "escalation" }] }));
    expect(newChats).toEqual(["c1"]);
    const chat = session.chats.get("c1")!;
    expect(chat.notes.map((n) => n.text)).toEqual(["escalated"]);
    server(snapshot("c1", [2, 3]));
    expect(newChats).toEqual(["c1"]);
    expect(chat.transcript.entries().map((e) => e.text)).toEqual(["m1", "m2", "m3"]);
    expect(session.openChats()).toBe(1);
  });

  test("the Hello after a reconnect carries a cursor per open chat", () => {
    const { session, server } = harness();
    server(snapshot("c1", [1, 2, 3]));
    const hello = session.hello().frame as { value: { cursors: { conversationId: string; lastSeq: bigint }[] } };
    expect(hello.value.cursors).toEqual([{ conversationId: "c1", lastSeq: 3n }]);
  });

  test("released and closed chats stay readable but inactive", () => {
    const { session, server } = harness();
    server(snapshot("c1", [1]));
    server(snapshot("c2", [1]));
    server({ frame: { case: "released", value: { conversationId: "c1", reason: "escalated to tier 2" } } });
    server({ frame: { case: "closed", value: { conversationId: "c2" } } });
    expect(session.chats.get("c1")!.active).toBe(false);
    expect(session.chats.get("c1")!.endedReason).toBe("escalated to tier 2");
    expect(session.openChats()).toBe(0);
    server({ frame: { case: "ratingRecorded", value: { conversationId: "c2", score: 4 } } });
    expect(session.chats.get("c2")!.rating?.score).toBe(4);
  });

  test("replies are pending until acknowledged", () => {
    const { session, server, sent } = harness();
    server(snapshot("c1", [1]));
    session.reply("c1", "hello");
    const frame = sent[sent.length - 1]!.frame as { case: string; value: { clientMessageId: string } };
    expect(frame.case).toBe("sendMessage");
    const chat = session.chats.get("c1")!;
    expect(chat.transcript.unacknowledged()).toHaveLength(1);
    server({ frame: { case: "ack", value: { conversationId: "c1", clientMessageId: frame.value.clientMessageId, seq: 2n } } });
    expect(chat.transcript.unacknowledged()).toHaveLength(0);
    expect(chat.transcript.lastSeq()).toBe(2);
  });
});

import { describe, expect, test } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Category, ConversationState, ErrorCode, Role, ServerFrameSchema, type ClientFrameInit } from "../src/core/protocol";
import { VisitorSession, type KeyValueStore } from "../src/core/visitor-session";

class MemoryStore implements KeyValueStore {
  data = new Map<string, string>();
  getItem(k: string) { return this.data.get(k) ?? null; }
  setItem(k: string, v: string) { this.data.set(k, v); }
  removeItem(k: string) { this.data.delete(k); }
}

function harness(store = new MemoryStore()) {
  const sent: ClientFrameInit[] = [];
  let nextId = 1;
  const session = new VisitorSession({ send: (f) => { sent.push(f); return nextId++; }, ready: true }, store);
  const server = (init: Parameters<typeof create<typeof ServerFrameSchema>>[1]) => session.handle(create(ServerFrameSchema, init));
  return { session, sent, server, store };
}

const form = { category: Category.DEPOSIT, message: "deposit missing", pageUrl: "https://x", locale: "en", timeZone: "UTC" };

describe("VisitorSession", () => {
  test("pre-chat, queued with a position, then chatting", () => {
    const { session, sent, server } = harness();
    server({ frame: { case: "welcome", value: { participantId: "v1", resumeToken: "vt" } } });
    session.start(form);
    expect(session.phase).toBe("starting");
    const start = sent[sent.length - 1]!.frame as { case: string; value: { clientMessageId: string } };
    expect(start.case).toBe("startChat");
    server({ frame: { case: "ack", value: { conversationId: "c1", clientMessageId: start.value.clientMessageId, seq: 1n } } });
    expect(session.phase).toBe("queued");
    server({ frame: { case: "queueStatus", value: { conversationId: "c1", position: 3, estimatedWaitSeconds: 240, tier: 1 } } });
    expect(session.queuePosition).toBe(3);
    server({ frame: { case: "agentJoined", value: { conversationId: "c1", agentName: "Alice", tier: 1 } } });
    expect(session.phase).toBe("chatting");
    expect(session.agentName).toBe("Alice");
    expect(session.transcript!.entries().map((e) => e.text)).toEqual(["deposit missing"]);
  });

  test("a reload resumes: the Hello carries the token and cursor, unsent messages are sent again", () => {
    const store = new MemoryStore();
    const first = harness(store);
    first.server({ frame: { case: "welcome", value: { participantId: "v1", resumeToken: "vt-1" } } });
    first.server({ frame: { case: "conversation", value: {
      info: { conversationId: "c1", state: ConversationState.ASSIGNED, agentName: "Alice", tier: 1 },
      messages: [{ conversationId: "c1", seq: 1n, text: "hi", senderId: "v1" }, { conversationId: "c1", seq: 2n, text: "hello", senderId: "a" }],
    } } });
    first.session.sendMessage("are you there?");  // never acknowledged: the page reloads

    const second = harness(store);
    const hello = second.session.hello().frame as { value: { resumeToken: string; cursors: unknown[] } };
    expect(hello.value.resumeToken).toBe("vt-1");
    second.server({ frame: { case: "welcome", value: { participantId: "v1", resumeToken: "vt-1", resumed: true } } });
    const resent = second.sent.filter((f) => f.frame?.case === "sendMessage");
    expect(resent).toHaveLength(1);
    expect((resent[0]!.frame as { value: { text: string } }).value.text).toBe("are you there?");
    second.server({ frame: { case: "conversation", value: {
      info: { conversationId: "c1", state: ConversationState.ASSIGNED, agentName: "Alice", tier: 1 },
      messages: [{ conversationId: "c1", seq: 1n, text: "hi", senderId: "v1" }, { conversationId: "c1", seq: 2n, text: "hello", senderId: "a" }],
    } } });
    expect(second.session.phase).toBe("chatting");
    expect(second.session.transcript!.entries().map((e) => e.text)).toEqual(["hi", "hello", "are you there?"]);
  });

  test("escalation: queued for tier 2, then senior support", () => {
    const { session, server } = harness();
    server({ frame: { case: "welcome", value: { participantId: "v1", resumeToken: "vt" } } });
    server({ frame: { case: "conversation", value: { info: { conversationId: "c1", state: ConversationState.ASSIGNED, agentName: "Alice", tier: 1 } } } });
    server({ frame: { case: "queueStatus", value: { conversationId: "c1", position: 1, tier: 2 } } });
    expect(session.phase).toBe("queued");
    expect(session.tier).toBe(2);
    server({ frame: { case: "agentJoined", value: { conversationId: "c1", agentName: "Tina", tier: 2, senior: true } } });
    expect(session.senior).toBe(true);
  });

  test("closing prompts for a rating; the rating's ack ends it", () => {
    const { session, server } = harness();
    server({ frame: { case: "welcome", value: { participantId: "v1", resumeToken: "vt" } } });
    server({ frame: { case: "conversation", value: { info: { conversationId: "c1", state: ConversationState.ASSIGNED, tier: 1 } } } });
    server({ frame: { case: "closed", value: { conversationId: "c1", closedBy: Role.AGENT } } });
    expect(session.phase).toBe("closed");
    session.rate(5, "great");
    server({ frame: { case: "ack", value: { requestId: 1, conversationId: "c1" } } });
    expect(session.phase).toBe("rated");
  });

  test("a refused start goes back to the form with the reason; the next start clears it", () => {
    const { session, server } = harness();
    session.start(form);
    server({ frame: { case: "error", value: { code: ErrorCode.RATE_LIMITED, message: "too many new chats" } } });
    expect(session.phase).toBe("prechat");
    expect(session.startRefused).toBe(ErrorCode.RATE_LIMITED);
    session.start(form);
    expect(session.phase).toBe("starting");
    expect(session.startRefused).toBeNull();
  });

  test("an unknown resume token starts over", () => {
    const store = new MemoryStore();
    store.setItem("parley.visitor.v1", JSON.stringify({ resumeToken: "old", conversationId: "c0", pending: [] }));
    const { session, server } = harness(store);
    server({ frame: { case: "error", value: { code: ErrorCode.AUTH_FAILED, message: "unknown resume token" } } });
    expect(session.phase).toBe("prechat");
    expect(session.resumeToken).toBe("");
    expect(store.getItem("parley.visitor.v1")).toBeNull();
  });
});

describe("history the server lost", () => {
  test("HISTORY_LOST starts the visitor afresh and says so; an incomplete snapshot says so too", () => {
    const { session, server, store } = harness();
    server({ frame: { case: "welcome", value: { participantId: "v1", resumeToken: "vt" } } });
    session.start(form);
    server({ frame: { case: "error", value: { code: ErrorCode.HISTORY_LOST, message: "gone" } } });
    expect(session.historyLost).toBe(true);
    expect(session.phase).toBe("prechat");
    expect(session.resumeToken).toBe("");
    expect([...store.data.keys()]).toEqual([]);

    const other = harness();
    other.server({ frame: { case: "welcome", value: { participantId: "v2", resumeToken: "vt2" } } });
    other.server({ frame: { case: "conversation", value: {
      info: { conversationId: "c9", state: ConversationState.ASSIGNED, agentName: "Bob", tier: 1 },
      messages: [], lastSeq: 2n, historyIncomplete: true } } });
    expect(other.session.historyLost).toBe(true);
  });
});

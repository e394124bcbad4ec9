import { describe, expect, test } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { Connection, type ConnectionState } from "../src/core/connection";
import { ServerFrameSchema, decodeClientFrame } from "../src/core/protocol";
import { pickLocale } from "../src/widget/i18n";

// A WebSocket stand-in that the test drives by hand.
class FakeSocket {
  static all: FakeSocket[] = [];
  binaryType = "";
  readyState = 0;
  sent: Uint8Array[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) { FakeSocket.all.push(this); }
  send(bytes: Uint8Array) { this.sent.push(bytes); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  receive(init: Parameters<typeof create<typeof ServerFrameSchema>>[1]) {
    const bytes = toBinary(ServerFrameSchema, create(ServerFrameSchema, init));
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
  }
  drop(code = 1006) { this.readyState = 3; this.onclose?.({ code, reason: "" }); }
}

describe("Connection", () => {
  test("says Hello on every (re)connect and sends only once welcomed", async () => {
    FakeSocket.all = [];
    const states: ConnectionState[] = [];
    let hellos = 0;
    const connection = new Connection({
      url: "ws://x/ws",
      hello: () => ({ frame: { case: "hello", value: { resumeToken: `t${++hellos}` } } }),
      onFrame: () => {},
      onState: (s) => states.push(s),
      webSocket: FakeSocket as unknown as typeof WebSocket,
      backoffMs: () => 0,
    });
    connection.start();
    const first = FakeSocket.all[0]!;
    first.open();
    expect(decodeClientFrame(first.sent[0]!).frame.case).toBe("hello");
    expect(connection.send({ frame: { case: "ping", value: {} } })).toBe(0);  // not welcomed yet
    first.receive({ frame: { case: "welcome", value: {} } });
    expect(connection.send({ frame: { case: "ping", value: {} } })).toBeGreaterThan(0);
    first.drop();
    expect(states).toContain("reconnecting");
    await new Promise((r) => setTimeout(r, 0));
    const second = FakeSocket.all[1]!;
    second.open();
    const hello = decodeClientFrame(second.sent[0]!);
    expect(hello.frame.case === "hello" && hello.frame.value.resumeToken).toBe("t2");
  });

  test("a policy close (bad credentials) stops retrying", () => {
    FakeSocket.all = [];
    const connection = new Connection({
      url: "ws://x/ws", hello: () => ({}), onFrame: () => {},
      webSocket: FakeSocket as unknown as typeof WebSocket, backoffMs: () => 0,
    });
    connection.start();
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop(1008);
    expect(connection.state).toBe("stopped");
    expect(FakeSocket.all).toHaveLength(1);
  });
});

describe("pickLocale", () => {
  test("host page override wins, then the browser, then English", () => {
    expect(pickLocale("zh-CN", ["en-US"])).toBe("zh-CN");
    expect(pickLocale(undefined, ["zh-TW", "en"])).toBe("zh-CN");
    expect(pickLocale(undefined, ["fr-FR", "en-GB"])).toBe("en");
    expect(pickLocale(undefined, ["de"])).toBe("en");
  });
});

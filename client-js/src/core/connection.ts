// One WebSocket to the server that survives network loss: it reconnects with
// jittered exponential backoff and says Hello again each time (the Hello is
// built fresh, so it carries the latest resume token and cursors).
import { decodeServerFrame, encodeClientFrame, type ClientFrameInit, type ServerFrame } from "./protocol";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "stopped";

export interface ConnectionOptions {
  url: string;
  hello: () => ClientFrameInit;
  onFrame: (frame: ServerFrame) => void;
  onState?: (state: ConnectionState, detail?: string) => void;
  /** For tests: a WebSocket implementation. */
  webSocket?: typeof WebSocket;
  /** For tests: how long to wait before reconnect attempt n (0-based). */
  backoffMs?: (attempt: number) => number;
}

export function defaultBackoff(attempt: number): number {
  const base = Math.min(10_000, 500 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

export class Connection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private nextRequestId = 1;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private welcomed = false;
  state: ConnectionState = "connecting";

  constructor(private readonly options: ConnectionOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, "bye");
    this.socket = null;
    this.setState("stopped");
  }

  /** True once the server has answered Hello on the current socket. */
  get ready(): boolean {
    return this.welcomed && this.socket?.readyState === 1;
  }

  /** Sends a frame if connected; returns its request id, or 0 if not sent. */
  send(frame: ClientFrameInit): number {
    if (!this.ready) return 0;
    const requestId = this.nextRequestId++;
    this.socket!.send(encodeClientFrame({ ...frame, requestId }));
    return requestId;
  }

  private open(): void {
    const Impl = this.options.webSocket ?? WebSocket;
    const socket = new Impl(this.options.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.welcomed = false;
    socket.onopen = () => {
      socket.send(encodeClientFrame({ ...this.options.hello(), requestId: this.nextRequestId++ }));
    };
    socket.onmessage = (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      let frame: ServerFrame;
      try {
        frame = decodeServerFrame(new Uint8Array(event.data));
      } catch {
        return; // not ours; the server never sends this
      }
      if (frame.frame.case === "welcome") {
        this.welcomed = true;
        this.attempt = 0;
        this.setState("open");
      }
      this.options.onFrame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.welcomed = false;
      if (this.stopped) return;
      // 1008: the server refused us (bad credentials); 4001: signed out (logout,
      // disabled account, new password, expired sign-in). Retrying will not help.
      if (event.code === 1008 || event.code === 4001) {
        this.stopped = true;
        this.setState("stopped", event.reason);
        return;
      }
      this.setState("reconnecting", event.reason);
      const delay = (this.options.backoffMs ?? defaultBackoff)(this.attempt++);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.options.onState?.(state, detail);
  }
}

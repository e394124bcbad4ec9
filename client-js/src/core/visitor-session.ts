// The visitor's side of a chat as a state machine: pre-chat form → queued →
// chatting → closed → rated. It keeps what a reload needs (resume token,
// conversation, unsent messages) in storage, so a reload or a network loss
// resumes the same chat with nothing missing and nothing twice.
import { Transcript } from "./transcript";
import {
  Category,
  CloseReason,
  ConversationState,
  ErrorCode,
  RequestOffer,
  Role,
  newClientId,
  type ClientFrameInit,
  type QueueAvailability,
  type ServerFrame,
} from "./protocol";

export type Phase = "prechat" | "starting" | "queued" | "chatting" | "closed" | "rated";

export interface Sender {
  send(frame: ClientFrameInit): number;
  readonly ready: boolean;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface PreChat {
  category: Category;
  message: string;
  subject?: string;
  transactionId?: string;
  name?: string;
  email?: string;
  pageUrl: string;
  locale: string;
  timeZone: string;
}

interface Saved {
  resumeToken: string;
  conversationId: string;
  pending: { clientMessageId: string; text: string }[];
  phase?: Phase;
  name?: string;
}

const storageKey = "parley.visitor.v1";

export class VisitorSession {
  phase: Phase = "prechat";
  visitorId = "";
  name = "";
  resumeToken = "";
  conversationId = "";
  transcript: Transcript | null = null;
  queuePosition = 0;
  estimatedWaitSeconds = 0;
  /** While queued: why waiting is not worth it (the widget offers to leave a request); NONE otherwise. */
  requestOffer: RequestOffer = RequestOffer.NONE;
  /** Why the current chat closed, once it has. */
  closeReason: CloseReason = CloseReason.UNSPECIFIED;
  tier = 1;
  agentName = "";
  senior = false;
  seniorRequested = false;
  agentTyping = false;
  lastError: { code: ErrorCode; message: string } | null = null;
  /** Why the last chat start was refused; null once a start is under way. */
  startRefused: ErrorCode | null = null;
  unread = 0;
  /** Per topic, whether a chat started now would be served (the server's Availability). */
  availability = new Map<Category, QueueAvailability>();
  private startRequest: { clientMessageId: string; form: PreChat } | null = null;
  private rateRequest = 0;

  constructor(
    private readonly sender: Sender,
    private readonly store: KeyValueStore,
    private readonly onChange: () => void = () => {},
  ) {
    const saved = this.load();
    if (saved) {
      this.resumeToken = saved.resumeToken;
      this.conversationId = saved.conversationId;
      this.name = saved.name ?? "";
      if (saved.phase === "rated") this.phase = "rated";
    }
  }

  /** The Hello to send on every (re)connect. */
  /** The server lost messages this visitor had seen (storage restored from an older copy). */
  historyLost = false;

  /** Sent with every Hello while set: the host site vouching for its customer. */
  identityToken = "";

  hello(): ClientFrameInit {
    const cursors =
      this.conversationId && this.transcript
        ? [{ conversationId: this.conversationId, lastSeq: BigInt(this.transcript.contiguousSeq) }]
        : [];
    return {
      frame: {
        case: "hello",
        value: {
          role: Role.VISITOR, resumeToken: this.resumeToken, cursors, displayName: this.name,
          identityToken: this.identityToken, clientVersion: "widget/0.1",
        },
      },
    };
  }

  start(form: PreChat): void {
    const clientMessageId = newClientId();
    this.startRequest = { clientMessageId, form };
    this.name = form.name ?? "";
    this.phase = "starting";
    this.lastError = null;
    this.startRefused = null;
    this.sendStart();
    this.onChange();
  }

  sendMessage(text: string): void {
    if (!this.transcript || !text.trim()) return;
    const clientMessageId = newClientId();
    this.transcript.addPending(clientMessageId, text, this.name || "You", Date.now());
    this.save();
    this.sender.send({ frame: { case: "sendMessage", value: { conversationId: this.conversationId, clientMessageId, text } } });
    this.onChange();
  }

  setTyping(typing: boolean): void {
    if (this.phase !== "chatting" && this.phase !== "queued") return;
    this.sender.send({ frame: { case: "typing", value: { conversationId: this.conversationId, typing } } });
  }

  markRead(): void {
    if (!this.transcript) return;
    this.unread = 0;
    const seq = this.transcript.lastSeq();
    if (seq > 0) this.sender.send({ frame: { case: "markRead", value: { conversationId: this.conversationId, seq: BigInt(seq) } } });
    this.onChange();
  }

  requestSenior(): void {
    this.sender.send({ frame: { case: "requestSenior", value: { conversationId: this.conversationId, reason: "" } } });
    this.seniorRequested = true;
    this.onChange();
  }

  end(): void {
    this.sender.send({ frame: { case: "closeChat", value: { conversationId: this.conversationId } } });
  }

  rate(score: number, comment: string): void {
    this.rateRequest = this.sender.send({ frame: { case: "rateChat", value: { conversationId: this.conversationId, score, comment } } });
  }

  /** Back to the form for a new chat after the last one ended. */
  newChat(): void {
    this.phase = "prechat";
    this.conversationId = "";
    this.transcript = null;
    this.agentName = "";
    this.senior = false;
    this.seniorRequested = false;
    this.save();
    this.onChange();
  }

  handle(frame: ServerFrame): void {
    const f = frame.frame;
    switch (f.case) {
      case "welcome":
        this.visitorId = f.value.participantId;
        this.resumeToken = f.value.resumeToken;
        if (!this.transcript && this.conversationId) {
          this.beginConversation(this.conversationId);
          for (const p of this.load()?.pending ?? []) this.transcript!.addPending(p.clientMessageId, p.text, this.name || "You", Date.now());
        }
        this.save();
        if (this.phase === "starting" && this.startRequest) this.sendStart();
        this.resendPending();
        break;
      case "availability":
        this.availability = new Map(f.value.queues.map((q) => [q.category, q]));
        break;
      case "ack":
        if (this.startRequest && f.value.clientMessageId === this.startRequest.clientMessageId) {
          this.beginConversation(f.value.conversationId);
          this.transcript!.addPending(this.startRequest.clientMessageId, this.startRequest.form.message, this.name || "You", Date.now());
          this.transcript!.acknowledge(f.value);
          this.startRequest = null;
          if (this.phase === "starting") this.phase = "queued";
        } else if (this.transcript && f.value.conversationId === this.conversationId) {
          this.transcript.acknowledge(f.value);
        }
        this.save();
        break;
      case "conversation": {
        const info = f.value.info!;
        if (info.conversationId !== this.conversationId) this.beginConversation(info.conversationId);
        this.transcript!.addMessages(f.value.messages);
        if (f.value.historyIncomplete) this.historyLost = true;
        this.transcript!.markPeerRead(Number(f.value.peerReadSeq));
        this.tier = info.tier;
        this.agentName = info.agentName;
        this.senior = info.tier >= 2 && info.agentName !== "";
        this.seniorRequested = info.seniorRequested;
        this.phase =
          info.state === ConversationState.CLOSED
            ? this.phase === "rated" ? "rated" : "closed"
            : info.state === ConversationState.ASSIGNED ? "chatting" : "queued";
        if (f.value.hasMore) this.fetchMore();
        break;
      }
      case "history":
        if (this.transcript && f.value.conversationId === this.conversationId) {
          this.transcript.addMessages(f.value.messages);
          if (f.value.hasMore) this.fetchMore();
        }
        break;
      case "queueStatus":
        if (f.value.conversationId !== this.conversationId) break;
        this.requestOffer = f.value.requestOffer;
        this.queuePosition = f.value.position;
        this.estimatedWaitSeconds = f.value.estimatedWaitSeconds;
        this.tier = f.value.tier;
        this.phase = "queued";
        break;
      case "agentJoined":
        if (f.value.conversationId !== this.conversationId) break;
        this.requestOffer = RequestOffer.NONE;
        this.agentName = f.value.agentName;
        this.senior = f.value.senior;
        this.tier = f.value.tier;
        this.phase = "chatting";
        break;
      case "message":
        if (!this.transcript || f.value.conversationId !== this.conversationId) break;
        this.unread += this.transcript.addMessages([f.value]) > 0 && !f.value.system ? 1 : 0;
        this.agentTyping = false;
        break;
      case "typing":
        if (f.value.conversationId === this.conversationId) this.agentTyping = f.value.typing;
        break;
      case "read":
        this.transcript?.markPeerRead(Number(f.value.seq));
        break;
      case "closed":
        if (f.value.conversationId === this.conversationId && this.phase !== "rated") this.phase = "closed";
        if (f.value.conversationId === this.conversationId) this.closeReason = f.value.reason;
        this.requestOffer = RequestOffer.NONE;
        this.agentTyping = false;
        break;
      case "ratingPrompt":
        break;
      case "error":
        this.lastError = { code: f.value.code, message: f.value.message };
        if (f.value.code === ErrorCode.HISTORY_LOST) this.historyLost = true;
        if (f.value.code === ErrorCode.AUTH_FAILED || f.value.code === ErrorCode.HISTORY_LOST) {
          // The server forgot us (e.g. restarted without persistence): start fresh.
          this.resumeToken = "";
          this.conversationId = "";
          this.transcript = null;
          this.phase = "prechat";
          this.store.removeItem(storageKey);
        } else if (this.phase === "starting") {
          // Refused (too many new chats, a bad field, storage away): back to
          // the form, which still holds what the visitor typed, with the reason.
          this.phase = "prechat";
          this.startRequest = null;
          this.startRefused = f.value.code;
        }
        break;
      default:
        break;
    }
    if (f.case === "ack" && this.rateRequest !== 0 && f.value.requestId === this.rateRequest) {
      this.rateRequest = 0;
      this.phase = "rated";
      this.save();
    }
    if (f.case === "error" && f.value.code === ErrorCode.ALREADY_DONE && f.value.requestId === this.rateRequest) {
      this.phase = "rated";
      this.save();
    }
    this.onChange();
  }

  private beginConversation(id: string): void {
    this.conversationId = id;
    this.requestOffer = RequestOffer.NONE;
    this.closeReason = CloseReason.UNSPECIFIED;
    this.transcript = new Transcript(id, this.visitorId);
  }

  private sendStart(): void {
    if (!this.startRequest) return;
    const form = this.startRequest.form;
    this.sender.send({
      frame: {
        case: "startChat",
        value: {
          category: form.category,
          subject: form.subject ?? "",
          firstMessage: form.message,
          clientMessageId: this.startRequest.clientMessageId,
          transactionId: form.transactionId ?? "",
          pageUrl: form.pageUrl,
          locale: form.locale,
          timeZone: form.timeZone,
          email: form.email ?? "",
          displayName: form.name ?? "",
        },
      },
    });
  }

  private fetchMore(): void {
    if (!this.transcript) return;
    this.sender.send({
      frame: { case: "fetchHistory", value: { conversationId: this.conversationId, afterSeq: BigInt(this.transcript.lastSeq()) } },
    });
  }

  private resendPending(): void {
    for (const p of this.transcript?.unacknowledged() ?? [])
      this.sender.send({ frame: { case: "sendMessage", value: { conversationId: this.conversationId, ...p } } });
  }

  private load(): Saved | null {
    try {
      const text = this.store.getItem(storageKey);
      return text ? (JSON.parse(text) as Saved) : null;
    } catch {
      return null;
    }
  }

  private save(): void {
    const saved: Saved = {
      resumeToken: this.resumeToken,
      conversationId: this.conversationId,
      pending: this.transcript?.unacknowledged() ?? [],
      phase: this.phase,
      name: this.name,
    };
    this.store.setItem(storageKey, JSON.stringify(saved));
  }
}

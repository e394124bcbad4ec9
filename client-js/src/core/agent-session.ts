// What the agent console knows: open chats with transcripts and notes, the
// queues, the roster, and the agent's own status. Pure state; the console
// renders it and sends frames through a Sender.
import { Transcript } from "./transcript";
import {
  AgentStatus,
  ErrorCode,
  Role,
  newClientId,
  type AgentPresence,
  type ChatInProgress,
  type ClientFrameInit,
  type ConversationInfo,
  type Note,
  type QueueEntry,
  type ServerFrame,
} from "./protocol";
import type { Sender } from "./visitor-session";

export interface Chat {
  info: ConversationInfo;
  transcript: Transcript;
  notes: Note[];
  visitorTyping: boolean;
  /** Whether the visitor has the chat open now; if not, since when they are away (ms; 0: unknown). */
  visitorConnected: boolean;
  visitorAwaySinceMs: number;
  active: boolean; // false once released or closed: kept for reading until dismissed
  endedReason: string;
  seniorRequested: boolean;
  rating: { score: number; comment: string } | null;
  /** A supervisor follows this chat (WatchChat): not theirs; writing in it joins it. */
  watching: boolean;
}

/** What POST /api/login returned: the password itself is never kept. */
export interface Credentials {
  agentId: string;
  sessionToken: string;
  role: Role;
}

export class AgentSession {
  agentId = "";
  displayName = "";
  role: Role = Role.AGENT;
  status: AgentStatus = AgentStatus.AWAY;
  capacity = 0;
  chats = new Map<string, Chat>();
  queues = new Map<number, QueueEntry[]>();
  /** How many wait per tier (the queue view lists only the first 100). */
  queueTotals = new Map<number, number>();
  roster: AgentPresence[] = [];
  /** Supervisors: the chats agents are working now (the first 200), and how many in all. */
  inProgress: ChatInProgress[] = [];
  inProgressTotal = 0;
  /** Read-only transcripts of chats waiting in the tier-2 queue, fetched on request. */
  previews = new Map<string, Transcript>();
  alerts: string[] = [];
  lastError = "";
  /** The last refusal of something this agent did, until dismissed. */
  notice: { text: string; atMs: number } | null = null;
  /** Called with the conversation id when a chat is newly assigned (sound, title badge). */
  onNewChat: (conversationId: string) => void = () => {};
  /** A visitor wrote in one of this agent's chats (not a replay: only messages new to the transcript). */
  onVisitorMessage: (chat: Chat, text: string) => void = () => {};

  constructor(
    private readonly sender: Sender,
    private readonly credentials: Credentials,
    private readonly onChange: () => void = () => {},
  ) {}

  hello(): ClientFrameInit {
    const cursors = [...this.chats.values()]
      .filter((c) => c.active && !c.watching)
      .map((c) => ({ conversationId: c.info.conversationId, lastSeq: BigInt(c.transcript.contiguousSeq) }));
    return {
      frame: {
        case: "hello",
        value: { role: this.credentials.role, agentId: this.credentials.agentId, sessionToken: this.credentials.sessionToken, cursors, clientVersion: "console/0.1" },
      },
    };
  }

  /** Asks the server; the shown status changes when the roster confirms it. */
  setStatus(status: AgentStatus): boolean {
    return this.sender.send({ frame: { case: "setAgentStatus", value: { status, capacity: 0 } } }) !== 0;
  }

  preview(conversationId: string): void {
    if (!this.previews.has(conversationId)) this.previews.set(conversationId, new Transcript(conversationId, this.agentId));
    this.sender.send({ frame: { case: "fetchHistory", value: { conversationId, afterSeq: 0n } } });
  }

  accept(conversationId: string): void {
    this.sender.send({ frame: { case: "acceptChat", value: { conversationId } } });
  }

  reply(conversationId: string, text: string): void {
    const chat = this.chats.get(conversationId);
    if (!chat || !text.trim()) return;
    const clientMessageId = newClientId();
    chat.transcript.addPending(clientMessageId, text, this.displayName, Date.now());
    this.sender.send({ frame: { case: "sendMessage", value: { conversationId, clientMessageId, text } } });
    this.onChange();
  }

  typing(conversationId: string, typing: boolean): void {
    this.sender.send({ frame: { case: "typing", value: { conversationId, typing } } });
  }

  /** The agent has seen everything in this chat so far: tells the visitor ("Read"), once per new message. */
  markRead(conversationId: string): void {
    const chat = this.chats.get(conversationId);
    if (!chat?.active || chat.watching) return;  // a watcher's reading is not the agent's
    const seq = chat.transcript.lastSeq();
    if (seq <= chat.transcript.readSeq) return;
    chat.transcript.readSeq = seq;
    this.sender.send({ frame: { case: "markRead", value: { conversationId, seq: BigInt(seq) } } });
  }

  addNote(conversationId: string, text: string): void {
    if (text.trim()) this.sender.send({ frame: { case: "addNote", value: { conversationId, text } } });
  }

  transfer(conversationId: string, toAgentId: string, note: string): void {
    this.sender.send({ frame: { case: "transferChat", value: { conversationId, toAgentId, note } } });
  }

  escalate(conversationId: string, reason: string, note: string): void {
    this.sender.send({ frame: { case: "escalateChat", value: { conversationId, reason, note } } });
  }

  close(conversationId: string): void {
    this.sender.send({ frame: { case: "closeChat", value: { conversationId, reason: 1 } } });
  }

  dismiss(conversationId: string): void {
    this.chats.delete(conversationId);
    this.onChange();
  }

  openChats(): number {
    return [...this.chats.values()].filter((c) => c.active).length;
  }

  handle(frame: ServerFrame): void {
    const f = frame.frame;
    switch (f.case) {
      case "welcome":
        this.agentId = f.value.participantId;
        this.displayName = f.value.displayName;
        this.role = f.value.role;
        this.capacity = f.value.limits?.maxOpenChats ?? 0;
        for (const chat of this.chats.values()) {
          this.resend(chat);
          // A watch ends with the connection: follow again what was followed.
          if (chat.watching && chat.active) this.sendWatch(chat.info.conversationId, true);
        }
        break;
      case "conversation": {
        const snap = f.value;
        const info = snap.info!;
        if (snap.historyIncomplete)
          this.alerts.push(`Some messages of the chat with ${info.visitorName} were lost by the server.`);
        let chat = this.chats.get(info.conversationId);
        const isNew = !chat || !chat.active;
        if (!chat) {
          chat = {
            info, transcript: new Transcript(info.conversationId, this.agentId), notes: [], visitorTyping: false,
            visitorConnected: true, visitorAwaySinceMs: 0, active: true, endedReason: "", seniorRequested: info.seniorRequested, rating: null,
            watching: false,
          };
          this.chats.set(info.conversationId, chat);
        }
        chat.info = info;
        chat.visitorConnected = snap.visitorConnected;
        chat.visitorAwaySinceMs = Number(snap.visitorAwaySinceMs);
        chat.active = snap.assignedToYou || snap.watching;
        chat.watching = snap.watching && !snap.assignedToYou;
        chat.endedReason = "";
        chat.transcript.addMessages(snap.messages);
        chat.transcript.markPeerRead(Number(snap.peerReadSeq));
        if (snap.notes.length > 0 || isNew) chat.notes = [...snap.notes];
        if (snap.hasMore) this.fetchMore(chat);
        if (isNew && snap.assignedToYou) this.onNewChat(info.conversationId);
        break;
      }
      case "history": {
        const chat = this.chats.get(f.value.conversationId);
        const preview = this.previews.get(f.value.conversationId);
        if (!chat && preview) {
          preview.addMessages(f.value.messages);
          if (f.value.hasMore)
            this.sender.send({ frame: { case: "fetchHistory", value: { conversationId: f.value.conversationId, afterSeq: BigInt(preview.lastSeq()) } } });
          break;
        }
        if (!chat) break;
        chat.transcript.addMessages(f.value.messages);
        if (f.value.hasMore) this.fetchMore(chat);
        break;
      }
      case "message": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) {
          const added = chat.transcript.addMessages([f.value]);
          chat.visitorTyping = false;
          if (added > 0 && chat.active && f.value.senderRole === Role.VISITOR) this.onVisitorMessage(chat, f.value.text);
        }
        break;
      }
      case "ack": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat && f.value.clientMessageId) chat.transcript.acknowledge(f.value);
        break;
      }
      case "typing": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) chat.visitorTyping = f.value.typing;
        break;
      }
      case "visitorPresence": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) {
          chat.visitorConnected = f.value.connected;
          chat.visitorAwaySinceMs = Number(f.value.awaySinceMs);
          if (!f.value.connected) chat.visitorTyping = false;
        }
        break;
      }
      case "read":
        this.chats.get(f.value.conversationId)?.transcript.markPeerRead(Number(f.value.seq));
        break;
      case "noteAdded": {
        const note = f.value.note!;
        this.chats.get(note.conversationId)?.notes.push(note);
        break;
      }
      case "released": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) {
          chat.active = false;
          chat.endedReason = f.value.reason;
        }
        break;
      }
      case "closed": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) {
          chat.active = false;
          chat.endedReason = "closed";
        }
        break;
      }
      case "queue":
        this.queues.set(f.value.tier, f.value.entries);
        this.queueTotals.set(f.value.tier, Math.max(f.value.total, f.value.entries.length));
        break;
      case "chatsInProgress":
        this.inProgress = f.value.chats;
        this.inProgressTotal = Math.max(f.value.total, f.value.chats.length);
        // A watched chat that moved to another agent says who has it now.
        for (const p of this.inProgress) {
          const watched = this.chats.get(p.info!.conversationId);
          if (watched?.watching) watched.info = p.info!;
        }
        break;
      case "roster":
        this.roster = f.value.agents;
        for (const a of this.roster) {
          if (a.agentId !== this.agentId) continue;
          this.status = a.status;
          this.capacity = a.capacity;
        }
        break;
      case "seniorRequested": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) chat.seniorRequested = true;
        this.alerts.push(`${f.value.visitorName} asked for senior support`);
        break;
      }
      case "escalated":
        this.alerts.push(`Escalated by ${f.value.byAgent}: ${f.value.reason}`);
        break;
      case "ratingRecorded": {
        const chat = this.chats.get(f.value.conversationId);
        if (chat) chat.rating = { score: f.value.score, comment: f.value.comment };
        break;
      }
      case "error":
        this.lastError = f.value.message;
        // A refused action (Accept at capacity, a transfer to someone away...)
        // is told to the agent; a lost chat has its own alert below.
        if (this.agentId && f.value.code !== ErrorCode.HISTORY_LOST)
          this.notice = { text: refusalText(f.value.message, f.value.code), atMs: Date.now() };
        if (f.value.code === ErrorCode.HISTORY_LOST && f.value.conversationId) {
          // The server no longer has this chat: keep what we saw, read-only, and say so.
          const lost = this.chats.get(f.value.conversationId);
          if (lost) {
            lost.active = false;
            lost.endedReason = "lost by the server";
          }
          this.alerts.push(`A chat could not be restored by the server (${f.value.conversationId}); its history was lost.`);
        }
        break;
      default:
        break;
    }
    this.onChange();
  }

  /** Supervisors: follow a chat in progress (its snapshot arrives as a watched chat). */
  watch(conversationId: string): void {
    const chat = this.chats.get(conversationId);
    if (chat?.active) return;
    this.sendWatch(conversationId, true);
  }

  /** Stops following a chat and puts it away. */
  unwatch(conversationId: string): void {
    const chat = this.chats.get(conversationId);
    if (chat?.watching && chat.active) this.sendWatch(conversationId, false);
    this.chats.delete(conversationId);
    this.onChange();
  }

  private sendWatch(conversationId: string, watch: boolean): void {
    this.sender.send({ frame: { case: "watchChat", value: { conversationId, watch } } });
  }

  private fetchMore(chat: Chat): void {
    this.sender.send({
      frame: { case: "fetchHistory", value: { conversationId: chat.info.conversationId, afterSeq: BigInt(chat.transcript.lastSeq()) } },
    });
  }

  private resend(chat: Chat): void {
    for (const p of chat.transcript.unacknowledged())
      this.sender.send({ frame: { case: "sendMessage", value: { conversationId: chat.info.conversationId, ...p } } });
  }
}

// What an agent is told when the server refuses an action: the server's reason,
// with a word on what to do where one helps.
export function refusalText(message: string, code: ErrorCode): string {
  const reason = message ? message[0]!.toUpperCase() + message.slice(1) : "The server refused this";
  switch (code) {
    case ErrorCode.AT_CAPACITY: return `${reason}. Close or transfer a chat first, or ask a colleague.`;
    case ErrorCode.RATE_LIMITED: return `${reason}. Wait a moment and try again.`;
    case ErrorCode.UNAVAILABLE: return `${reason}. Try again in a moment.`;
    default: return `${reason}.`;
  }
}

// One conversation's messages as a client sees them: server messages merged by
// seq (so a replay never shows anything twice), plus our own messages that are
// not acknowledged yet. Pure data structure, no DOM, no sockets.
import type { Ack, Message, SystemNotice } from "./protocol";

export type DeliveryState = "sending" | "sent" | "delivered" | "read";

export interface Entry {
  key: string;
  seq: number; // 0 while pending
  clientMessageId: string;
  text: string;
  senderName: string;
  mine: boolean;
  system: boolean;
  /** A system message's code, for the reader's language (text is its English). */
  notice?: SystemNotice;
  timeMs: number;
  /** What the server removed from text before storing it (seed_phrase, private_key, ...). */
  masked?: string[];
}

export interface PendingMessage {
  clientMessageId: string;
  text: string;
}

export class Transcript {
  private bySeq = new Map<number, Entry>();
  private pending = new Map<string, Entry>();
  /** Highest seq such that every seq up to it is known: the resume cursor. */
  contiguousSeq = 0;
  peerReadSeq = 0;
  /** The last seq this side told the server it has read. */
  readSeq = 0;

  constructor(readonly conversationId: string, private readonly myId: string) {}

  /** Adds server messages; returns how many were new. */
  addMessages(messages: Iterable<Message>): number {
    let added = 0;
    for (const m of messages) {
      const seq = Number(m.seq);
      if (this.bySeq.has(seq)) continue;
      const mine = m.senderId === this.myId && !m.system;
      this.bySeq.set(seq, {
        key: `s${seq}`,
        seq,
        clientMessageId: m.clientMessageId,
        text: m.text,
        senderName: m.senderName,
        mine,
        system: m.system,
        notice: m.notice,
        timeMs: Number(m.serverTimeMs),
        masked: m.maskedSecrets.length ? [...m.maskedSecrets] : undefined,
      });
      if (mine) this.pending.delete(m.clientMessageId);
      added++;
    }
    while (this.bySeq.has(this.contiguousSeq + 1)) this.contiguousSeq++;
    return added;
  }

  addPending(clientMessageId: string, text: string, senderName: string, nowMs: number): void {
    this.pending.set(clientMessageId, {
      key: `p${clientMessageId}`,
      seq: 0,
      clientMessageId,
      text,
      senderName,
      mine: true,
      system: false,
      timeMs: nowMs,
    });
  }

  /** The server stored our message: it becomes a numbered entry. */
  acknowledge(ack: Ack): boolean {
    const entry = this.pending.get(ack.clientMessageId);
    if (!entry) return false;
    this.pending.delete(ack.clientMessageId);
    const seq = Number(ack.seq);
    const masked = ack.maskedSecrets.length ? { text: ack.maskedText, masked: [...ack.maskedSecrets] } : {};
    if (!this.bySeq.has(seq)) this.bySeq.set(seq, { ...entry, ...masked, key: `s${seq}`, seq, timeMs: Number(ack.serverTimeMs) });
    while (this.bySeq.has(this.contiguousSeq + 1)) this.contiguousSeq++;
    return true;
  }

  markPeerRead(seq: number): void {
    this.peerReadSeq = Math.max(this.peerReadSeq, seq);
  }

  /** Messages to send again after a reconnect (the server ignores ones it has). */
  unacknowledged(): PendingMessage[] {
    return [...this.pending.values()].map((e) => ({ clientMessageId: e.clientMessageId, text: e.text }));
  }

  /** Everything in display order: numbered entries by seq, then pending ones. */
  entries(): Entry[] {
    const numbered = [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return [...numbered, ...this.pending.values()];
  }

  /** Messages from the other side (not notices) after readSeq. */
  unreadCount(): number {
    let n = 0;
    for (const e of this.bySeq.values()) if (e.seq > this.readSeq && !e.mine && !e.system) n++;
    return n;
  }

  lastSeq(): number {
    let last = 0;
    for (const seq of this.bySeq.keys()) last = Math.max(last, seq);
    return last;
  }

  /** sending: not stored yet; sent: stored; delivered: an agent has the chat; read: the peer read it. */
  stateOf(entry: Entry, peerPresent: boolean): DeliveryState {
    if (entry.seq === 0) return "sending";
    if (entry.seq <= this.peerReadSeq) return "read";
    return peerPresent ? "delivered" : "sent";
  }
}

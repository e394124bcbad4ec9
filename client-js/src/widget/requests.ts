// Requests left when nobody can chat (outside hours, no agent online): sent to
// the server's /api/requests as tickets, answered by e-mail and shown here when
// the visitor comes back. Each request has a secret made here; it names the
// request on the server (a resend is the same request) and is the only key to
// it, so it is kept in this browser's localStorage (at most 5, newest first).

export interface RequestForm {
  category: string; // "deposit", ...
  subject: string;
  text: string;
  transactionId: string;
  name: string;
  email: string;
  locale: string;
  timeZone: string;
  pageUrl: string;
}

export interface RequestMessage {
  seq: number;
  from: "you" | "support";
  author_name: string;
  text: string;
  time_ms: number;
}

export interface SentRequest {
  number: number;
  status: "open" | "pending" | "solved" | "closed";
  subject: string;
  email: string;
  created_ms: number;
  due_ms: number;
  messages: RequestMessage[];
}

export type RequestResult =
  | { ok: true; request: SentRequest; token: string }
  | { ok: false; code: string; message: string; retryAfterS?: number };

const storageKey = "parley.requests";
export const maxKept = 5;

/** 32 bytes from the browser's CSPRNG, base64url: 43 characters of [A-Za-z0-9_-]. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function keptTokens(storage: Storage): string[] {
  try {
    const list = JSON.parse(storage.getItem(storageKey) ?? "[]");
    return Array.isArray(list) ? list.filter((t) => typeof t === "string" && /^[A-Za-z0-9_-]{32,128}$/.test(t)).slice(0, maxKept) : [];
  } catch {
    return [];
  }
}

export function keepToken(storage: Storage, token: string): void {
  const list = [token, ...keptTokens(storage).filter((t) => t !== token)].slice(0, maxKept);
  try {
    storage.setItem(storageKey, JSON.stringify(list));
  } catch {
    // Storage full or blocked: the request is still sent; the e-mail carries the answer.
  }
}

/** The server's HTTP base from the widget's WebSocket URL (ws://host/ws -> http://host). */
export function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === "wss:" ? "https:" : "http:"}//${u.host}`;
}

async function answer(res: Response): Promise<{ ok: boolean; body: any }> {
  let body: any = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { ok: res.ok, body };
}

// POSTs a request to `path`; the answer as a RequestResult.
async function postRequest(base: string, path: string, token: string, body: Record<string, string>): Promise<RequestResult> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token, ...body }),
    });
    const { ok, body: answered } = await answer(res);
    if (ok && answered?.request) return { ok: true, request: answered.request, token };
    return { ok: false, code: answered?.error ?? `http_${res.status}`, message: answered?.message ?? "",
      retryAfterS: Number(res.headers.get("Retry-After")) || undefined };
  } catch {
    return { ok: false, code: "unavailable", message: "" };
  }
}

/** Sends a request; the same `token` again (after a lost answer) is the same request. */
export function sendRequest(base: string, form: RequestForm, token: string): Promise<RequestResult> {
  return postRequest(base, "/api/requests", token, {
    category: form.category, subject: form.subject, text: form.text, transaction_id: form.transactionId,
    name: form.name, email: form.email, locale: form.locale, time_zone: form.timeZone, page_url: form.pageUrl,
    client_message_id: `${token.slice(0, 16)}-1`,
  });
}

/**
 * Leaves the waiting chat as a request: the server makes a ticket of all the
 * chat holds and closes the chat. The resume token proves the chat is ours;
 * the same `token` again is the same request.
 */
export function leaveChatAsRequest(base: string, chat: { conversationId: string; resumeToken: string; email: string },
  token: string): Promise<RequestResult> {
  return postRequest(base, "/api/requests/from-chat", token,
    { email: chat.email, conversation_id: chat.conversationId, resume_token: chat.resumeToken });
}

/**
 * Asks for the closed chat's transcript by e-mail (the resume token proves
 * the chat is ours). The answer's error code, or "" once it is queued.
 */
export async function mailTranscript(base: string, chat: { conversationId: string; resumeToken: string; email: string }): Promise<string> {
  try {
    const res = await fetch(`${base}/api/transcripts`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: chat.email, conversation_id: chat.conversationId, resume_token: chat.resumeToken }),
    });
    if (res.ok) return "";
    const { body } = await answer(res);
    return typeof body?.error === "string" ? body.error : `http_${res.status}`;
  } catch {
    return "unavailable";
  }
}

/** Whether this server takes requests (it keeps records): it answers 401 to a call without a secret. */
export async function serverTakesRequests(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/api/requests/mine`)).status === 401;
  } catch {
    return false;
  }
}

/** The stored requests this browser made, as the server has them now (unknown ones are dropped). */
export async function fetchRequests(base: string, tokens: string[]): Promise<SentRequest[]> {
  const out: SentRequest[] = [];
  for (const token of tokens) {
    try {
      const res = await fetch(`${base}/api/requests/mine`, { headers: { Authorization: `Bearer ${token}` } });
      const { ok, body } = await answer(res);
      if (ok && body?.request) out.push(body.request);
    } catch {
      // Offline: shown next time.
    }
  }
  return out;
}

// The agent console: sign in, set status, pick or receive chats, reply, note,
// transfer, escalate and close. Served at /console.
import { Connection, type ConnectionState } from "../core/connection";
import { AgentSession, type Chat, type Credentials } from "../core/agent-session";
import { formatTime, h } from "../core/dom";
import { AgentStatus, Category, Role } from "../core/protocol";
import { makeTicketOfChat, openTickets } from "./tickets";
import { openReports } from "./reports";
import { customerPanel, type CustomerContext } from "./customer";
import * as bip39 from "../gen/bip39";
import { findSecrets, provideWordlists } from "../core/secrets";

// The console checks an agent's reply as the widget checks a visitor's (the
// server masks whatever gets past either).
provideWordlists(bip39);
const secretNames: Record<string, string> = { seed_phrase: "a recovery phrase", private_key: "a private key", code: "a 2FA code", password: "a password" };
import { openArticlePicker } from "./articles";
import { cannedMatches, fillCanned, fromApi, insertAtSlash, openCannedManager, pickText, slashQuery, starters, withStarters,
  type CannedResponse } from "./canned";

const categoryNames: Record<number, string> = {
  [Category.ACCOUNT]: "Account", [Category.DEPOSIT]: "Deposit", [Category.WITHDRAWAL]: "Withdrawal",
  [Category.TRADING]: "Trading", [Category.REFUND]: "Refund", [Category.OTHER]: "Other",
};
const roleNames: Record<number, string> = { [Role.AGENT]: "Agent", [Role.TIER2]: "Tier 2", [Role.SUPERVISOR]: "Supervisor", [Role.ADMIN]: "Admin" };
const rolesByName: Record<string, Role> = { agent: Role.AGENT, tier2: Role.TIER2, supervisor: Role.SUPERVISOR, admin: Role.ADMIN };
/** Supervisors and admins watch queues and the team; they take no chats. */
const oversees = (role: Role) => role === Role.SUPERVISOR || role === Role.ADMIN;
const statusNames: Record<number, string> = { [AgentStatus.ONLINE]: "online", [AgentStatus.AWAY]: "away", [AgentStatus.OFFLINE]: "offline" };


/** POST /api/login; resolves with what the Hello needs, rejects with a message to show. */
async function logIn(agentId: string, password: string): Promise<Credentials> {
  let response: Response;
  try {
    response = await fetch("/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ agent_id: agentId, password }),
    });
  } catch {
    throw new Error("The server cannot be reached. Check your connection and try again.");
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok && typeof body.token === "string")
    return { agentId: String(body.agent_id), sessionToken: body.token, role: rolesByName[String(body.role)] ?? Role.AGENT };
  if (response.status === 401) throw new Error("Wrong agent ID or password.");
  if (response.status === 429)
    throw new Error(`Too many sign-in attempts. Try again in ${response.headers.get("Retry-After") ?? "a few"} seconds.`);
  throw new Error("Sign-in is not possible right now. Try again shortly.");
}

class Console {
  private readonly app = document.getElementById("app")!;
  private session: AgentSession | null = null;
  private connection: Connection | null = null;
  private connectionState: ConnectionState = "connecting";
  private selected = "";
  private canned: CannedResponse[] = [];
  private cannedStored = false;  // the server keeps canned responses (a records store)
  private unseen = new Set<string>();
  private drafts = new Map<string, string>();  // reply being typed, per chat
  private secretWarnings = new Map<string, string>();  // why a reply was held back, per chat
  private customers = new Map<string, CustomerContext>();  // the exchange's data, per chat (fetched once, on demand again)
  private noteDrafts = new Map<string, string>();  // internal note being typed, per chat

  constructor() {
    // A chat in view is marked read once the console itself is in view again.
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.render(); });
    document.addEventListener("keydown", (e) => this.shortcut(e));
    const saved = sessionStorage.getItem("parley.console.v1");
    if (saved) this.signIn(JSON.parse(saved));
    else this.renderSignIn("");
  }

  private renderSignIn(error: string): void {
    const id = h("input", { name: "agent", autocomplete: "username", required: true });
    const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
    const problem = h("p", { class: "error", role: "alert", hidden: !error }, error);
    const submit = h("button", { class: "primary", type: "submit" }, "Sign in");
    const form = h("form", { class: "signin" },
      h("h2", {}, "Parley Console"),
      h("label", {}, "Agent ID", id), h("label", {}, "Password", password),
      problem, submit);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit.disabled = true;
      logIn(id.value.trim(), password.value)
        .then((credentials) => this.signIn(credentials))
        .catch((err: Error) => {
          submit.disabled = false;
          problem.textContent = err.message;
          problem.hidden = false;
          password.select();
        });
    });
    this.app.replaceChildren(form);
    id.focus();
  }

  private signIn(credentials: Credentials): void {
    // Kept for reloads of this tab (and tabs opened from it) until sign-out.
    sessionStorage.setItem("parley.console.v1", JSON.stringify(credentials));
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
    const session = new AgentSession(
      { send: (f) => this.connection!.send(f), get ready() { return true; } },
      credentials,
      () => this.render(),
    );
    session.onNewChat = (id) => {
      this.unseen.add(id);
      if (!this.selected || !this.session?.chats.get(this.selected)?.active) this.selected = id;
      beep();
      const chat = session.chats.get(id);
      if (chat) notify(`New chat: ${chat.info.visitorName}`, chat.transcript.entries()[0]?.text ?? "", id);
    };
    session.onVisitorMessage = (chat, text) => notify(chat.info.visitorName, text, chat.info.conversationId);
    this.session = session;
    void this.loadCanned();
    this.connection = new Connection({
      url,
      hello: () => session.hello(),
      onFrame: (frame) => session.handle(frame),
      onState: (state, detail) => {
        this.connectionState = state;
        if (state === "stopped" && detail) {
          sessionStorage.removeItem("parley.console.v1");
          this.session = null;
          this.renderSignIn(session.lastError || detail);
          return;
        }
        this.render();
      },
    });
    this.connection.start();
    this.render();
  }

  /** The saved responses this agent sees, with the shipped starters nobody replaced. */
  private async loadCanned(): Promise<CannedResponse[]> {
    const shipped = await fetch("/canned-responses.json").then((r) => (r.ok ? r.json() : {})).then(starters).catch(() => []);
    let saved: CannedResponse[] = [];
    try {
      const body = await staffCall("GET", "/api/canned");
      saved = (body.responses as Parameters<typeof fromApi>[0][]).map(fromApi);
      this.cannedStored = true;
    } catch {
      this.cannedStored = false;  // no records store (or it is away): the starters only
    }
    this.canned = withStarters(saved, shipped);
    this.render();
    return this.canned;
  }

  private render(): void {
    const s = this.session;
    if (!s) return;
    // Keep what the agent is typing (reply and note, per chat) across re-renders, with the focus.
    // (Each box names its chat: `selected` may already be another one.)
    const draft = this.app.querySelector<HTMLTextAreaElement>("textarea.reply-text");
    if (draft?.dataset.conversation) this.drafts.set(draft.dataset.conversation, draft.value);
    const noteDraft = this.app.querySelector<HTMLTextAreaElement>("textarea.note-text");
    if (noteDraft?.dataset.conversation) this.noteDrafts.set(noteDraft.dataset.conversation, noteDraft.value);
    const focused = document.activeElement;
    const focusedReply = focused === draft;
    const focusedNote = focused === noteDraft;

    const status = h("select", { "aria-label": "Status", disabled: !s.agentId || this.connectionState !== "open",
      onchange: (e) => { if (!s.setStatus(Number((e.target as HTMLSelectElement).value) as AgentStatus)) this.render(); } },
      h("option", { value: AgentStatus.ONLINE, selected: s.status === AgentStatus.ONLINE }, "Online"),
      h("option", { value: AgentStatus.AWAY, selected: s.status === AgentStatus.AWAY }, "Away"));
    const top = h("div", { class: "topbar" },
      h("span", { class: "name" }, h("span", { class: `dot ${statusNames[s.status] ?? ""}` }), s.displayName || "…"),
      h("span", {}, roleNames[s.role] ?? ""),
      // Supervisors take no chats: what they follow instead.
      h("span", { class: "capacity" }, oversees(s.role)
        ? `watching ${[...s.chats.values()].filter((c) => c.watching && c.active).length}`
        : `${s.openChats()}/${s.capacity} chats`),
      h("span", { class: "spacer" }),
      oversees(s.role) ? null : status,
      notificationsToggle(() => this.render()),
      h("button", { type: "button", class: "search-open", onclick: () => openSearch({}) }, "Search past chats"),
      this.cannedStored ? h("button", { type: "button", class: "tickets-open", onclick: () => openTickets(staffCall, staffDownload) }, "Tickets") : null,
      this.cannedStored && oversees(s.role) ? h("button", { type: "button", class: "reports-open",
        onclick: () => openReports(staffCall, staffDownload, s.roster.filter((a) => !oversees(a.role)).map((a) => ({ agentId: a.agentId, name: a.name }))) }, "Reports") : null,
      this.cannedStored ? h("button", { type: "button", class: "canned-open",
        onclick: () => openCannedManager(this.canned, oversees(s.role), staffCall, () => this.loadCanned()) }, "Canned responses") : null,
      h("button", { type: "button", onclick: () => this.signOut() }, "Sign out"));
    const banner = this.connectionState === "reconnecting" ? h("div", { class: "banner", role: "alert" }, "Connection lost. Reconnecting…") : null;
    const notice = s.notice ? h("div", { class: "notice", role: "alert" }, s.notice.text,
      h("button", { type: "button", "aria-label": "Dismiss", onclick: () => { s.notice = null; this.render(); } }, "×")) : null;
    this.app.replaceChildren(top, ...(banner ? [banner] : []), ...(notice ? [notice] : []), h("div", { class: "layout" }, this.renderSide(s), this.renderChats(s), this.renderNotes(s)));
    const reply = this.app.querySelector<HTMLTextAreaElement>("textarea.reply-text");
    if (reply && focusedReply) reply.focus();
    const note = this.app.querySelector<HTMLTextAreaElement>("textarea.note-text");
    if (note && focusedNote) note.focus();
    const list = this.app.querySelector(".transcript");
    if (list) list.scrollTop = list.scrollHeight;
    // Unread: new chats not looked at yet, and messages in chats other than the one in view.
    const unread = [...s.chats.values()].filter((c) => c.active)
      .reduce((n, c) => n + Math.max(c.transcript.unreadCount(), this.unseen.has(c.info.conversationId) ? 1 : 0), 0);
    document.title = unread > 0 ? `(${unread}) Parley Console` : "Parley Console";
  }

  private renderSide(s: AgentSession): HTMLElement {
    const now = Date.now();
    const queues: HTMLElement[] = [];
    for (const tier of [1, 2]) {
      const entries = s.queues.get(tier);
      if (!entries) continue;
      const total = s.queueTotals.get(tier) ?? entries.length;
      queues.push(h("h3", {}, tier === 1 ? `Queue (${total})` : `Tier-2 queue (${total})`));
      if (entries.length === 0) queues.push(h("p", { class: "empty" }, "Nobody waiting"));
      for (const e of entries) {
        const info = e.info!;
        const waited = Math.max(0, Math.round((now - Number(info.queuedMs)) / 60000));
        const preview = s.previews.get(info.conversationId);
        queues.push(h("div", { class: "queue-item", "data-conversation": info.conversationId },
          h("div", {}, `#${e.position} ${info.visitorName} · ${categoryNames[info.category] ?? "?"}`),
          h("div", { class: "meta" }, `waiting ${waited} min${info.transactionId ? ` · tx ${info.transactionId}` : ""}`),
          ...e.notes.map((n) => h("div", { class: "note" }, h("span", { class: "meta" }, `${n.authorName} · ${n.kind}`), n.text)),
          oversees(s.role) ? null : h("button", { type: "button", onclick: () => s.accept(info.conversationId) }, "Accept"),
          tier === 2 && s.role === Role.TIER2 && !preview
            ? h("button", { type: "button", onclick: () => s.preview(info.conversationId) }, "Preview transcript") : null,
          preview ? h("ul", { class: "transcript preview", "aria-label": "Transcript preview", tabindex: 0 }, ...preview.entries().map((m) =>
            h("li", { class: m.system ? "msg system" : "msg" }, m.system ? null : h("span", { class: "who" }, m.senderName), m.text))) : null));
      }
    }
    const roster = s.roster.map((a) => h("div", { class: "roster-item" },
      h("span", { class: `dot ${a.connected ? statusNames[a.status] ?? "" : ""}` }), a.name,
      h("div", { class: "meta" }, `${roleNames[a.role] ?? ""} · ${a.connected ? statusNames[a.status] : "offline"} · ${a.openChats}/${a.capacity}`)));
    const alerts = s.alerts.slice(-5).map((a) => h("div", { class: "alert" }, a));
    // Supervisors: the chats agents are working now; any can be followed.
    const progress = oversees(s.role) ? [h("h3", {}, `In progress (${s.inProgressTotal})`),
      ...(s.inProgress.length === 0 ? [h("p", { class: "empty" }, "No chats in progress")] : s.inProgress.map((p) => {
        const info = p.info!;
        const since = Math.max(0, Math.round((now - Number(p.assignedMs)) / 60000));
        const followed = s.chats.get(info.conversationId)?.active === true;
        return h("div", { class: "progress-item", "data-conversation": info.conversationId },
          h("div", {}, `${info.visitorName} · ${categoryNames[info.category] ?? "?"}${info.tier >= 2 ? " · tier 2" : ""}`),
          h("div", { class: "meta" }, `with ${info.agentName} · ${since} min${info.seniorRequested ? " · asked for senior" : ""}`),
          followed
            ? h("button", { type: "button", onclick: () => { this.selected = info.conversationId; this.render(); } }, "Show")
            : h("button", { type: "button", "aria-label": `Watch the chat with ${info.visitorName}`,
              onclick: () => { this.selected = info.conversationId; s.watch(info.conversationId); } }, "Watch"));
      }))] : [];
    return h("aside", { class: "panel" }, ...queues, ...progress, h("h3", {}, "Team"), ...roster, alerts.length ? h("h3", {}, "Alerts") : null, ...alerts);
  }

  private renderChats(s: AgentSession): HTMLElement {
    const chats = [...s.chats.values()];
    if (chats.length === 0) return h("main", { class: "panel" }, h("p", { class: "empty" }, oversees(s.role) ? "Watch a chat in progress to follow it here; write in it to join." : "No chats yet. Set yourself online to receive chats."));
    if (!s.chats.has(this.selected)) this.selected = chats[0]!.info.conversationId;
    const chat = s.chats.get(this.selected)!;
    // The chat in view is read while the console is in view; a hidden console
    // marks it once it is looked at again (visibilitychange re-renders).
    if (!document.hidden) {
      this.unseen.delete(chat.info.conversationId);
      s.markRead(chat.info.conversationId);
    }
    const tabs = h("div", { class: "tabs", role: "tablist" }, ...chats.map((c) => h("button", {
      class: `${c.active ? "tab" : "tab ended"}${c.watching ? " watched" : ""}`, role: "tab", type: "button", "aria-selected": String(c.info.conversationId === this.selected),
      onclick: () => { this.selected = c.info.conversationId; this.render(); },
    }, c.info.visitorName, unreadBadge(c, this.unseen.has(c.info.conversationId)))));
    return h("main", { class: "panel" }, tabs, this.renderChat(s, chat));
  }

  // The exchange's data about the chat's customer: asked for once when the chat is shown.
  private customerOf(id: string): CustomerContext {
    const known = this.customers.get(id);
    if (known) return known;
    this.loadCustomer(id);
    return this.customers.get(id)!;
  }

  private loadCustomer(id: string): void {
    this.customers.set(id, { state: "loading" });
    staffCall("GET", `/api/conversations/${encodeURIComponent(id)}/customer`)
      .then((body) => this.customers.set(id, body as unknown as CustomerContext))
      .catch((err: Error) => this.customers.set(id, { state: "unavailable", reason: err.message }))
      .finally(() => this.render());
  }

  private renderChat(s: AgentSession, chat: Chat): HTMLElement {
    const info = chat.info;
    const id = info.conversationId;
    let visitorTime = "";
    try {
      visitorTime = info.timeZone ? `${formatTime(Date.now(), "en-GB", info.timeZone)} (${info.timeZone})` : "";
    } catch { visitorTime = info.timeZone; }
    const context = h("dl", { class: "context" },
      h("dt", {}, "Visitor"), h("dd", {}, `${info.visitorName}${info.email ? ` <${info.email}>` : ""}`,
        chat.active ? presenceBadge(chat) : null,
        info.verified
          ? h("span", { class: "verified", title: `Signed in on ${info.verifiedSite} as customer ${info.customerId}` }, "✓ Verified")
          : h("span", { class: "unverified", title: "Anonymous: identity not confirmed by the site" }, "Not verified")),
      info.verified ? h("dt", {}, "Customer ID") : null, info.verified ? h("dd", { class: "customer" }, info.customerId) : null,
      h("dt", {}, "Category"), h("dd", {}, `${categoryNames[info.category] ?? "?"}${info.tier >= 2 ? " · tier 2" : ""}`),
      info.subject ? h("dt", {}, "Subject") : null, info.subject ? h("dd", { class: "subject" }, info.subject) : null,
      h("dt", {}, "Transaction"), h("dd", { class: "tx" }, info.transactionId || "—"),
      h("dt", {}, "Page"), h("dd", {}, info.pageUrl || "—"),
      h("dt", {}, "Locale"), h("dd", {}, info.locale || "—"),
      h("dt", {}, "Local time"), h("dd", {}, visitorTime || "—"),
      chat.seniorRequested ? h("dt", {}, "Note") : null, chat.seniorRequested ? h("dd", { class: "error" }, "Visitor asked for senior support") : null,
      h("dt", {}, "History"), h("dd", {}, h("button", { type: "button", class: "earlier",
        onclick: () => openSearch(info.verified && info.customerId ? { customer: info.customerId } : { visitor: info.visitorId }, info.visitorName) },
        "Earlier chats")));
    const customer = info.verified && this.cannedStored ? customerPanel(this.customerOf(id), () => this.loadCustomer(id)) : null;
    const transcript = h("ul", { class: "transcript", "aria-live": "polite", "aria-label": "Transcript", tabindex: 0 }, ...chat.transcript.entries().map((e) => e.system
      ? h("li", { class: "msg system" }, e.text)
      : h("li", { class: e.mine ? "msg mine" : "msg" }, h("span", { class: "who" }, e.senderName), e.text,
          e.masked ? h("span", { class: "masked-note" },
            `The server removed ${e.masked.map((k) => secretNames[k] ?? "a secret").join(" and ")} from this message.`) : null,
          h("span", { class: "meta" }, formatTime(e.timeMs, "en-GB"), e.mine ? ` · ${chat.transcript.stateOf(e, true)}` : ""))));
    const typing = h("div", { class: "typing" }, chat.visitorTyping ? `${info.visitorName} is typing…` : "");
    if (!chat.active) {
      return h("section", { class: "chat" }, context, customer, transcript,
        h("p", { class: "empty" }, chat.endedReason === "closed" ? "This chat is closed." : `No longer yours: ${chat.endedReason}`),
        chat.rating ? h("p", { class: "rating" }, `Rated ${chat.rating.score}/5 ${chat.rating.comment}`) : null,
        h("button", { type: "button", onclick: () => s.dismiss(id) }, "Dismiss"));
    }
    const text = h("textarea", { class: "reply-text", "data-conversation": id, "aria-label": "Reply",
      placeholder: chat.watching ? "Write to join this chat: the visitor and the agent see your name (Enter sends)" : "Reply to the visitor (Enter sends)", maxlength: 4000 });
    text.value = this.drafts.get(id) ?? "";
    let typingTimer: ReturnType<typeof setTimeout> | null = null;
    text.addEventListener("input", () => {
      if (!typingTimer) s.typing(id, true); else clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typingTimer = null; s.typing(id, false); }, 3000);
    });
    // Cleared before the reply goes out: sending re-renders, and what is still
    // in the box then would be kept as a draft and could be sent again.
    const warning = h("p", { class: "secret-warning error", role: "alert", hidden: !this.secretWarnings.has(id) },
      this.secretWarnings.get(id) ?? "");
    const send = () => {
      const value = text.value;
      if (!value.trim()) return;
      const kinds = [...new Set(findSecrets(value).map((f) => f.kind))];
      if (kinds.length) {
        // Held back, the text kept: support never asks for or sends these.
        const said = `Not sent: this looks like ${kinds.map((k) => secretNames[k]).join(" and ")}. Support never asks customers for ` +
          "recovery phrases, private keys, passwords or 2FA codes, and never sends them; the server would remove it.";
        this.secretWarnings.set(id, said);
        warning.textContent = said;
        warning.hidden = false;
        return text.focus();
      }
      this.secretWarnings.delete(id);
      warning.hidden = true;
      text.value = "";
      this.drafts.delete(id);
      s.reply(id, value);
    };
    // "/" and a few letters offer canned responses; Up/Down choose, Enter or Tab inserts, Esc dismisses.
    const values = { visitor_name: info.visitorName, agent_name: s.displayName, transaction_id: info.transactionId };
    const suggest = h("ul", { class: "canned-suggest", role: "listbox", id: `canned-${id}`, "aria-label": "Canned responses", hidden: true });
    text.setAttribute("aria-controls", suggest.id);
    text.setAttribute("aria-autocomplete", "list");
    let matches: CannedResponse[] = [];
    let chosen = 0;
    let dismissed = false;
    const insert = (c: CannedResponse, atSlash: boolean) => {
      const filled = fillCanned(pickText(c, info.locale), values);
      const caret = text.selectionEnd ?? text.value.length;
      const next = atSlash ? insertAtSlash(text.value, caret, filled) : { value: filled, caret: filled.length };
      text.value = next.value;
      text.setSelectionRange(next.caret, next.caret);
      this.drafts.set(id, text.value);
      refresh();
      text.focus();
    };
    const refresh = () => {
      const q = dismissed ? null : slashQuery(text.value.slice(0, text.selectionEnd ?? text.value.length));
      matches = q === null ? [] : cannedMatches(this.canned, q);
      if (chosen >= matches.length) chosen = 0;
      suggest.hidden = matches.length === 0;
      suggest.replaceChildren(...matches.map((c, i) => h("li", { role: "option", id: `canned-${id}-${i}`, "aria-selected": String(i === chosen),
        onmousedown: (e) => { e.preventDefault(); insert(c, true); } }, h("b", {}, `/${c.shortcut}`), ` ${c.title}`)));
      if (matches.length) text.setAttribute("aria-activedescendant", `canned-${id}-${chosen}`);
      else text.removeAttribute("aria-activedescendant");
    };
    text.addEventListener("input", () => { dismissed = false; refresh(); });
    text.addEventListener("keydown", (e) => {
      if (!suggest.hidden && !e.isComposing) {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          chosen = (chosen + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
          return refresh();
        }
        if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") { e.preventDefault(); return insert(matches[chosen]!, true); }
        if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); dismissed = true; return refresh(); }
      }
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    refresh();
    const canned = h("select", { "aria-label": "Canned responses", onchange: (e) => {
      const i = Number((e.target as HTMLSelectElement).value);
      if (i >= 0) insert(this.canned[i]!, false);
    } }, h("option", { value: -1 }, "Canned responses…"), ...this.canned.map((c, i) => h("option", { value: i }, `/${c.shortcut} ${c.title}`)));
    const others = s.roster.filter((a) => a.agentId !== s.agentId && a.agentId !== info.agentId && a.connected && a.status === AgentStatus.ONLINE && a.role === (info.tier >= 2 ? Role.TIER2 : Role.AGENT));
    const target = h("select", { "aria-label": "Transfer to" }, ...others.map((a) => h("option", { value: a.agentId }, a.name)));
    // The link goes in at the caret of this chat's reply box as it is now (the
    // console may have re-rendered while the dialog was open).
    const article = h("button", { type: "button", class: "article-open", onclick: () => openArticlePicker(info.locale, (link) => {
      const box = [...this.app.querySelectorAll<HTMLTextAreaElement>("textarea.reply-text")].find((t) => t.dataset.conversation === id) ?? text;
      const caret = box.selectionEnd ?? box.value.length;
      const before = box.value.slice(0, caret);
      const spaced = before && !/\s$/.test(before) ? ` ${link}` : link;
      box.value = before + spaced + box.value.slice(caret);
      box.setSelectionRange(caret + spaced.length, caret + spaced.length);
      this.drafts.set(id, box.value);
      box.focus();
    }) }, "Help article…");
    const actions = h("div", { class: "actions" },
      canned,
      article,
      others.length ? target : null,
      others.length ? h("button", { type: "button", onclick: () => this.transfer(s, id, target.value, target.selectedOptions[0]?.textContent ?? "") },
        chat.watching ? "Reassign" : "Transfer") : null,
      info.tier < 2 ? h("button", { type: "button", class: "escalate", onclick: () => this.escalate(s, id) }, "Escalate to tier 2") : null,
      this.cannedStored ? h("button", { type: "button", class: "make-ticket", onclick: () => makeTicketOfChat(staffCall,
        { conversationId: id, email: info.email, subject: info.subject, visitorName: info.visitorName }) }, "Make ticket") : null,
      h("button", { type: "button", onclick: () => s.close(id) }, "Close chat"),
      chat.watching ? h("button", { type: "button", class: "unwatch", onclick: () => s.unwatch(id) }, "Stop watching") : null);
    const watching = chat.watching
      ? h("p", { class: "watching", role: "status" }, `Watching ${info.agentName}'s chat. It stays theirs; what you write joins it.`) : null;
    return h("section", { class: "chat" }, watching, context, customer, transcript, typing,
      warning, h("div", { class: "reply" }, suggest, text, h("button", { class: "primary", type: "button", onclick: send }, "Send")), actions);
  }

  // Keyboard shortcuts (listed by "?"): Alt+letter works anywhere, even while
  // typing; "?" only outside text fields.
  private shortcut(e: KeyboardEvent): void {
    const s = this.session;
    if (!s || e.defaultPrevented || document.querySelector("dialog[open]")) return;
    const typing = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if (e.key === "?" && !typing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      return showShortcuts();
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const chat = s.chats.get(this.selected);
    const active = chat?.active ? chat.info.conversationId : "";
    switch (e.code) {
      case "KeyN": {  // the next chat with something unread, else the next tab
        const chats = [...s.chats.values()];
        if (chats.length === 0) return;
        const at = chats.findIndex((c) => c.info.conversationId === this.selected);
        const order = [...chats.slice(at + 1), ...chats.slice(0, at + 1)];
        const next = order.find((c) => c.active && (c.transcript.unreadCount() > 0 || this.unseen.has(c.info.conversationId))) ?? order[0]!;
        this.selected = next.info.conversationId;
        this.render();
        break;
      }
      case "KeyR": this.app.querySelector<HTMLTextAreaElement>("textarea.reply-text")?.focus(); break;
      case "KeyM": this.app.querySelector<HTMLTextAreaElement>("textarea.note-text")?.focus(); break;
      case "KeyE": if (active && chat!.info.tier < 2) this.escalate(s, active); break;
      case "KeyC": if (active && confirm(`Close the chat with ${chat!.info.visitorName}?`)) s.close(active); break;
      default: return;
    }
    e.preventDefault();
  }

  private escalate(s: AgentSession, id: string): void {
    askInDialog("escalate-dialog", "Escalate to tier 2", "Escalate",
      { label: "Reason", required: true, max: 500 },
      { label: "Internal note for tier 2", hint: "Internal note (never shown to the visitor)", max: 2000 },
      (reason, note) => s.escalate(id, reason, note));
  }

  private transfer(s: AgentSession, id: string, toAgentId: string, toName: string): void {
    askInDialog("transfer-dialog", `Transfer to ${toName}`, "Transfer", null,
      { label: "Note for the next agent", hint: "Note for the next agent (internal)", max: 2000 },
      (_, note) => s.transfer(id, toAgentId, note));
  }

  private renderNotes(s: AgentSession): HTMLElement {
    const chat = s.chats.get(this.selected);
    if (!chat) return h("aside", { class: "panel" }, h("h3", {}, "Internal notes"), h("p", { class: "empty" }, "—"));
    const id = chat.info.conversationId;
    const input = h("textarea", { class: "note-text", "data-conversation": id, "aria-label": "Add an internal note", placeholder: "Internal note (never sent to the visitor)", maxlength: 2000 });
    input.value = this.noteDrafts.get(id) ?? "";
    return h("aside", { class: "panel notes" }, h("h3", {}, "Internal notes"),
      ...chat.notes.map((n) => h("div", { class: "note" }, h("span", { class: "meta" }, `${n.authorName} · ${n.kind} · ${formatTime(Number(n.serverTimeMs), "en-GB")}`), n.text)),
      chat.notes.length === 0 ? h("p", { class: "empty" }, "No notes yet") : null,
      input, h("button", { type: "button", onclick: () => {
        const value = input.value;
        if (!value.trim()) return;
        input.value = "";
        this.noteDrafts.delete(id);
        s.addNote(id, value);
      } }, "Add note"));
  }

  private signOut(): void {
    // A chat in view is marked read once the console itself is in view again.
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this.render(); });
    document.addEventListener("keydown", (e) => this.shortcut(e));
    const saved = sessionStorage.getItem("parley.console.v1");
    // Ending the sign-in on the server also closes this agent's other tabs made with it.
    if (saved) {
      const { sessionToken } = JSON.parse(saved) as Credentials;
      fetch("/api/logout", { method: "POST", headers: { Authorization: `Bearer ${sessionToken}` } }).catch(() => {});
    }
    sessionStorage.removeItem("parley.console.v1");
    this.connection?.stop();
    this.session = null;
    this.renderSignIn("");
  }
}

// ---------------------------------------------------------------- past chats

interface SearchHit { conversation_id: string; visitor_name: string; customer_id: string; transaction_id: string; created_ms: number; state: string; snippet: string }
interface PastMessage { sender_name: string; system: boolean; text: string; time_ms: number; sender_role: string }
interface PastNote { author_name: string; kind: string; text: string; time_ms: number }
interface PastChat {
  conversation: { conversation_id: string; visitor_name: string; email: string; customer_id: string; transaction_id: string; category: string; state: string; created_ms: number };
  messages: PastMessage[]; notes: PastNote[]; rating: { score: number; comment: string } | null;
}

/** GET a staff API with this tab's sign-in; rejects with a message to show. */
/** A staff API call with the console's session token; rejects with the server's message. */
async function staffCall(method: string, path: string, json?: unknown): Promise<Record<string, unknown>> {
  const saved = sessionStorage.getItem("parley.console.v1");
  const token = saved ? (JSON.parse(saved) as Credentials).sessionToken : "";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(json === undefined ? {} : { "Content-Type": "application/json" }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch {
    throw new Error("The server cannot be reached. Check your connection and try again.");
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return body;
  if (response.status === 401) throw new Error("Your sign-in has ended. Sign in again.");
  const error = new Error(typeof body.message === "string" ? body.message : "That is not possible right now. Try again shortly.");
  (error as Error & { status?: number }).status = response.status;
  throw error;
}

/** A file from a staff API (an attachment), saved through the browser's download. */
async function staffDownload(path: string, fileName: string): Promise<void> {
  const saved = sessionStorage.getItem("parley.console.v1");
  const token = saved ? (JSON.parse(saved) as Credentials).sessionToken : "";
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } }).catch(() => {
    throw new Error("The server cannot be reached. Check your connection and try again.");
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    throw new Error(typeof body.message === "string" ? body.message : "The file cannot be downloaded.");
  }
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function staffGet<T>(path: string): Promise<T> {
  try {
    return (await staffCall("GET", path)) as T;
  } catch (err) {
    if ((err as { status?: number }).status === 404) throw new Error("That chat is not in the records.");
    throw err;
  }
}

/** Xapian's snippet: HTML-escaped text with matches in <b>…</b>, rendered without innerHTML. */
function snippetNodes(snippet: string): Node[] {
  const unescape = (t: string) => t.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!);
  return snippet.split(/(<b>.*?<\/b>)/).filter(Boolean).map((part) => part.startsWith("<b>")
    ? h("mark", {}, unescape(part.slice(3, -4))) : document.createTextNode(unescape(part)));
}

/**
 * A dialog to find past chats (words in Chinese or English, a transaction id,
 * a name or e-mail) and read one whole. Lives outside the console's
 * re-rendered tree, so events arriving meanwhile never wipe it.
 */
function openSearch(scope: { customer?: string; visitor?: string }, title = ""): void {
  document.querySelector("dialog.search-dialog")?.remove();
  const dialog = h("dialog", { class: "search-dialog", "aria-label": "Search past chats" });
  const input = h("input", { type: "search", name: "q", maxlength: 200, "aria-label": "Search past chats",
    placeholder: "Words, a transaction ID, a name or an e-mail" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const results = h("ul", { class: "search-results", "aria-label": "Search results", tabindex: 0 });
  const view = h("section", { class: "past-chat", "aria-label": "Past chat" });
  const show = (err: Error) => { problem.textContent = err.message; problem.hidden = false; };
  const run = (path: string) => {
    problem.hidden = true;
    results.replaceChildren(h("li", { class: "empty" }, "Searching…"));
    staffGet<{ results: SearchHit[] }>(path).then(({ results: hits }) => {
      results.replaceChildren(...(hits.length === 0 ? [h("li", { class: "empty" }, "No chats found.")] : hits.map((hit) =>
        h("li", {}, h("button", { type: "button", class: "hit", "data-conversation": hit.conversation_id, onclick: () => open(hit.conversation_id) },
          h("span", { class: "who" }, hit.visitor_name || "Visitor"),
          h("span", { class: "meta" }, ` ${new Date(hit.created_ms).toLocaleString("en-GB")} · ${hit.state}${hit.transaction_id ? ` · tx ${hit.transaction_id}` : ""}`)),
        hit.snippet ? h("div", { class: "snippet" }, ...snippetNodes(hit.snippet)) : null))));
    }).catch((err: Error) => { results.replaceChildren(); show(err); });
  };
  const open = (id: string) => {
    staffGet<PastChat>(`/api/conversations/${encodeURIComponent(id)}`).then((chat) => {
      const c = chat.conversation;
      const parts: (HTMLElement | null)[] = [
        h("h3", {}, `${c.visitor_name || "Visitor"} · ${new Date(c.created_ms).toLocaleString("en-GB")} · ${c.state}`),
        h("p", { class: "meta" }, [c.email, c.customer_id && `customer ${c.customer_id}`, c.transaction_id && `tx ${c.transaction_id}`].filter(Boolean).join(" · ")),
        h("ul", { class: "transcript past", "aria-label": "Transcript", tabindex: 0 }, ...chat.messages.map((m) => m.system
          ? h("li", { class: "msg system" }, m.text)
          : h("li", { class: "msg" }, h("span", { class: "who" }, m.sender_name), m.text, h("span", { class: "meta" }, formatTime(m.time_ms, "en-GB"))))),
        chat.notes.length ? h("h4", {}, "Internal notes") : null,
        ...chat.notes.map((n) => h("div", { class: "note" }, h("span", { class: "meta" }, `${n.author_name} · ${n.kind}`), n.text)),
        chat.rating ? h("p", { class: "rating" }, `Rated ${chat.rating.score}/5 ${chat.rating.comment}`) : null,
      ];
      view.replaceChildren(...parts.filter((n): n is HTMLElement => n !== null));
    }).catch(show);
  };
  const form = h("form", { class: "search-form" }, input, h("button", { type: "submit", class: "primary" }, "Search"),
    h("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, "Close"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.value.trim()) run(`/api/search?q=${encodeURIComponent(input.value.trim())}`);
  });
  dialog.append(h("h3", {}, title ? `Chats of ${title}` : "Search past chats"), form, problem, h("div", { class: "search-body" }, results, view));
  document.body.append(dialog);
  dialog.showModal();
  if (scope.customer) run(`/api/search?customer=${encodeURIComponent(scope.customer)}`);
  else if (scope.visitor) run(`/api/search?visitor=${encodeURIComponent(scope.visitor)}`);
  input.focus();
}

interface Field { label: string; hint?: string; required?: boolean; max: number }

// A modal form with an optional one-line field and a note; `done` gets both values.
function askInDialog(cls: string, title: string, action: string, line: Field | null, note: Field,
                     done: (line: string, note: string) => void): void {
  const dialog = h("dialog", { class: cls });
  const input = line ? h("input", { name: "line", required: !!line.required, maxlength: line.max, "aria-label": line.label }) : null;
  const text = h("textarea", { name: "note", maxlength: note.max, "aria-label": note.label });
  const form = h("form", { method: "dialog" },
    h("h3", {}, title),
    line && input ? h("label", {}, `${line.label} `, input) : null, line ? h("br", {}) : null,
    h("label", {}, note.hint ?? note.label, h("br", {}), text), h("br", {}),
    h("button", { type: "submit", class: "primary" }, action), " ",
    h("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, "Cancel"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input && line?.required && !input.value.trim()) return input.focus();
    done(input?.value ?? "", text.value);
    dialog.close();
    dialog.remove();
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  (input ?? text).focus();
}

// A short two-tone chime for a new chat (no audio file to load).
// Whether the visitor is still there: a closed tab or a lost network shows as
// away, with the time, so the agent can decide to wait or close the chat.
function presenceBadge(chat: Chat): HTMLElement {
  if (chat.visitorConnected) return h("span", { class: "presence here" }, "● Here");
  const since = chat.visitorAwaySinceMs ? ` since ${formatTime(chat.visitorAwaySinceMs, "en-GB")}` : "";
  return h("span", { class: "presence away", title: "The visitor closed the page or lost the connection" }, `○ Left the page${since}`);
}

const shortcuts: [string, string][] = [
  ["Alt+N", "Next chat with unread messages"],
  ["Alt+R", "Focus the reply box"],
  ["Enter", "Send the reply (Shift+Enter: new line)"],
  ["Alt+M", "Focus the internal note"],
  ["Alt+E", "Escalate to tier 2"],
  ["Alt+C", "Close the chat (asks first)"],
  ["?", "This list"],
];

function showShortcuts(): void {
  const dialog = h("dialog", { class: "shortcuts", "aria-label": "Keyboard shortcuts" },
    h("h3", {}, "Keyboard shortcuts"),
    h("dl", {}, ...shortcuts.flatMap(([keys, what]) => [h("dt", {}, h("kbd", {}, keys)), h("dd", {}, what)])),
    h("button", { type: "button", onclick: () => dialog.close() }, "Close"));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

// Desktop notifications: asked for once, when the agent turns them on (the
// choice is kept in this browser); shown only while the console is hidden,
// for a new chat and for a visitor's message, one per chat at a time.
const notifyKey = "parley.console.notifications";
function notificationsOn(): boolean {
  return localStorage.getItem(notifyKey) === "on" && "Notification" in window && Notification.permission === "granted";
}
function notificationsToggle(rerender: () => void): HTMLElement {
  if (!("Notification" in window)) return h("span", {});
  const on = notificationsOn();
  return h("button", { type: "button", class: "notify-toggle", "aria-pressed": String(on),
    title: on ? "Desktop notifications are on while this page is hidden" : "Get a desktop notification for new chats and messages while this page is hidden",
    onclick: () => {
      if (on) {
        localStorage.setItem(notifyKey, "off");
        return rerender();
      }
      void Notification.requestPermission().then((permission) => {
        localStorage.setItem(notifyKey, permission === "granted" ? "on" : "off");
        rerender();
      });
    } }, on ? "Notifications on" : "Notifications off");
}
function notify(title: string, body: string, conversationId: string): void {
  if (!document.hidden || !notificationsOn()) return;
  const n = new Notification(title, { body: body.slice(0, 200), tag: conversationId });
  n.onclick = () => { window.focus(); n.close(); };
}

// A tab's unread marker: the number of messages not seen yet, or "new" for a
// chat not looked at; nothing when all is seen.
function unreadBadge(chat: Chat, isNew: boolean): HTMLElement | null {
  const count = chat.active ? chat.transcript.unreadCount() : 0;
  if (count === 0 && !isNew) return null;
  const label = count > 0 ? `${count} unread` : "new";
  return h("span", { class: "unread", "aria-label": label, title: label }, count > 0 ? String(count) : "•");
}

function beep(): void {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.setValueAtTime(880, ctx.currentTime);
    osc.frequency.setValueAtTime(660, ctx.currentTime + 0.12);
    gain.gain.setValueAtTime(0.08, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.3);
  } catch {
    /* autoplay may be blocked until the agent clicks; the title badge still shows */
  }
}

new Console();

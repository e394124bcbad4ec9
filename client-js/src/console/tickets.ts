// The tickets inbox in the console: requests that are not live (the widget's
// form when nobody could chat), sorted by their reply-by deadline, breached and
// nearly breached ones marked; open one to read the thread, claim it, reply (it
// goes out by e-mail; delivery shows on the message), add a note, set status.
// A dialog outside the console's re-rendered tree (GET/POST /api/tickets...).
import { h } from "../core/dom";
import type { StaffCall } from "./canned";

export interface TicketSummary {
  id: string; number: number; status: string; subject: string; queue: string; requester_name: string;
  requester_email: string; owner_name: string; owner_id: string; due_ms: number; urgency: "" | "due_soon" | "breached"; messages: number;
}
interface Attachment { file_name: string; content_type: string; size: number; refused: string; url: string }
interface ThreadMessage { seq: number; from: "requester" | "staff"; author_name: string; text: string; time_ms: number;
  mail: { status: string; attempts: number; last_error: string } | null; attachments?: Attachment[] }
/** Fetches a file with the console's sign-in and hands it to the browser as a download. */
export type StaffDownload = (path: string, fileName: string) => Promise<void>;
interface Ticket extends TicketSummary { thread: ThreadMessage[]; notes: { author_name: string; text: string; time_ms: number }[];
  transaction_id: string; locale: string }

const when = (ms: number) => new Date(ms).toLocaleString("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

/** What the inbox row says about the deadline. */
export function deadlineText(t: Pick<TicketSummary, "status" | "due_ms" | "urgency">): string {
  if (t.status !== "open") return t.status;
  return t.urgency === "breached" ? `overdue since ${when(t.due_ms)}` : t.urgency === "due_soon" ? `due soon: ${when(t.due_ms)}` : `due ${when(t.due_ms)}`;
}

const sizeText = (bytes: number) => bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;

// The files a mail carried: offered ones download (the server judged their
// type from the bytes), the others say why not.
function attachmentList(files: Attachment[] | undefined, download: StaffDownload | undefined, show: (e: Error) => void): HTMLElement | null {
  if (!files?.length) return null;
  return h("ul", { class: "attachments", "aria-label": "Attachments" }, ...files.map((f) => h("li", {},
    f.url && download
      ? h("button", { type: "button", class: "attachment", onclick: () => download(f.url, f.file_name).catch(show) },
        `📎 ${f.file_name} (${sizeText(f.size)})`)
      : h("span", { class: "attachment refused" }, `📎 ${f.file_name} (${sizeText(f.size)}): not offered, ${f.refused}`))));
}

const queues = ["account", "deposit", "withdrawal", "trading", "refund", "other", "tier2"];

export function openTickets(call: StaffCall, download?: StaffDownload): void {
  document.querySelector("dialog.tickets-dialog")?.remove();
  const dialog = h("dialog", { class: "tickets-dialog", "aria-label": "Tickets" });
  const view = h("select", { name: "view", "aria-label": "Whose" },
    h("option", { value: "all" }, "All"), h("option", { value: "mine" }, "Mine"), h("option", { value: "unassigned" }, "Unassigned"));
  const status = h("select", { name: "status", "aria-label": "Status" },
    ...["active", "open", "pending", "solved", "closed"].map((s) => h("option", { value: s }, s)));
  const queue = h("select", { name: "queue", "aria-label": "Queue" },
    h("option", { value: "" }, "any queue"), ...queues.map((q) => h("option", { value: q }, q)));
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const list = h("ul", { class: "ticket-list", "aria-label": "Tickets by deadline", tabindex: 0 });
  const pane = h("section", { class: "ticket-view", "aria-label": "Ticket" });
  const show = (err: Error) => { problem.textContent = err.message; problem.hidden = false; };
  let current = "";

  const load = () => {
    problem.hidden = true;
    call("GET", `/api/tickets?view=${view.value}&status=${status.value}${queue.value ? `&queue=${queue.value}` : ""}`).then((body) => {
      const tickets = (body.tickets ?? []) as TicketSummary[];
      list.replaceChildren(...(tickets.length === 0 ? [h("li", { class: "empty" }, "No tickets.")] : tickets.map((t) =>
        h("li", { "data-urgency": t.urgency },
          h("button", { type: "button", class: "ticket-row", "data-number": t.number, onclick: () => openOne(t.id) },
            h("span", { class: "who" }, `#${t.number} ${t.subject || t.queue}`),
            h("span", { class: "meta" }, ` ${t.requester_name || t.requester_email} · ${t.owner_name || "unassigned"}`),
            h("span", { class: `deadline ${t.urgency}` }, deadlineText(t)))))));
    }).catch(show);
  };

  const act = (action: string, body: Record<string, string>) =>
    call("POST", `/api/tickets/${encodeURIComponent(current)}/${action}`, body).then((r) => { render(r.ticket as Ticket); load(); }).catch(show);

  const render = (t: Ticket) => {
    current = t.id;
    const reply = h("textarea", { name: "reply", maxlength: 10000, "aria-label": "Reply to the requester" });
    const after = h("select", { name: "after", "aria-label": "Status after the reply" },
      h("option", { value: "pending" }, "then pending"), h("option", { value: "solved" }, "then solved"), h("option", { value: "open" }, "keep open"));
    const note = h("textarea", { name: "note", maxlength: 2000, "aria-label": "Internal note" });
    const replyForm = h("form", { class: "ticket-reply" }, reply, after, h("button", { type: "submit", class: "primary" }, "Send reply"));
    replyForm.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!reply.value.trim()) return reply.focus();
      // One id per reply: a resend after a lost answer is stored once.
      void act("reply", { text: reply.value, client_message_id: `r-${Date.now()}-${Math.random().toString(36).slice(2)}`, status: after.value });
    });
    const noteForm = h("form", { class: "ticket-note" }, note, h("button", { type: "submit" }, "Add note"));
    noteForm.addEventListener("submit", (e) => {
      e.preventDefault();
      if (note.value.trim()) void act("note", { text: note.value });
    });
    const parts: (Node | null)[] = [
      h("h3", {}, `#${t.number} ${t.subject}`),
      h("p", { class: "meta" }, [t.requester_name, t.requester_email, t.transaction_id && `tx ${t.transaction_id}`, t.locale, deadlineText(t),
        t.owner_name ? `owner ${t.owner_name}` : "unassigned"].filter(Boolean).join(" · ")),
      h("div", { class: "ticket-actions" },
        t.owner_name ? null : h("button", { type: "button", onclick: () => act("claim", {}) }, "Claim"),
        h("button", { type: "button", onclick: () => act("status", { status: "solved" }) }, "Mark solved"),
        h("button", { type: "button", onclick: () => act("status", { status: "closed" }) }, "Close")),
      h("ul", { class: "transcript past", "aria-label": "Thread", tabindex: 0 }, ...t.thread.map((m) =>
        h("li", { class: `msg ${m.from}` }, h("span", { class: "who" }, m.author_name), m.text,
          h("span", { class: "meta" }, ` ${when(m.time_ms)}`),
          m.mail ? h("span", { class: `mail ${m.mail.status}` }, m.mail.status === "sent" ? " · e-mailed"
            : m.mail.status === "failed" ? ` · e-mail failed: ${m.mail.last_error}` : ` · e-mail queued${m.mail.last_error ? ` (${m.mail.last_error})` : ""}`) : null,
          attachmentList(m.attachments, download, show)))),
      t.notes.length ? h("h4", {}, "Internal notes") : null,
      ...t.notes.map((n) => h("div", { class: "note" }, h("span", { class: "meta" }, n.author_name), n.text)),
      replyForm, noteForm];
    pane.replaceChildren(...parts.filter((p): p is Node => p !== null));
  };

  const openOne = (id: string) =>
    call("GET", `/api/tickets/${encodeURIComponent(id)}`).then((r) => render(r.ticket as Ticket)).catch(show);

  view.addEventListener("change", load);
  status.addEventListener("change", load);
  queue.addEventListener("change", load);
  dialog.append(
    h("h3", {}, "Tickets"),
    h("div", { class: "ticket-filters" }, view, status, queue, h("button", { type: "button", onclick: load }, "Refresh"),
      h("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, "Close")),
    problem, h("div", { class: "search-body" }, list, pane));
  document.body.append(dialog);
  dialog.showModal();
  load();
}

/**
 * Makes a ticket of a live chat (POST /api/tickets/from-chat) when the answer
 * needs investigating: the agent owns it, the requester gets the deadline in
 * the chat and by mail. The address defaults to the one the visitor gave.
 */
export function makeTicketOfChat(call: StaffCall, chat: { conversationId: string; email: string; subject: string; visitorName: string }): void {
  document.querySelector("dialog.make-ticket-dialog")?.remove();
  const dialog = h("dialog", { class: "make-ticket-dialog", "aria-label": "Make a ticket of this chat" });
  const email = h("input", { name: "email", type: "email", required: true, maxlength: 254, "aria-label": "Requester's e-mail" });
  email.value = chat.email;
  const subject = h("input", { name: "subject", maxlength: 200, "aria-label": "Subject" });
  subject.value = chat.subject;
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const done = h("p", { class: "made", role: "status", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Make ticket");
  const form = h("form", {},
    h("h3", {}, `Make a ticket of the chat with ${chat.visitorName || "the visitor"}`),
    h("p", { class: "hint" }, "For an answer that needs investigating: you own the ticket, the visitor is told its number and deadline here and by e-mail."),
    h("label", {}, "E-mail ", email), h("br", {}), h("label", {}, "Subject ", subject), h("br", {}),
    problem, done, submit, " ",
    h("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, "Close"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!email.value.trim()) return email.focus();
    problem.hidden = true;
    submit.disabled = true;
    call("POST", "/api/tickets/from-chat", { conversation_id: chat.conversationId, email: email.value.trim(), subject: subject.value })
      .then((r) => {
        const t = r.ticket as TicketSummary;
        done.textContent = `Ticket #${t.number} made, ${deadlineText(t)}. The visitor was told.`;
        done.hidden = false;
        submit.hidden = true;
      })
      .catch((err: Error) => { problem.textContent = err.message; problem.hidden = false; submit.disabled = false; });
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  email.focus();
}

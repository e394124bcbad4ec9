// Reports in the console, for supervisors and admins: over a chosen period
// (local dates, both ends included), queue, team, agent and clock (the queue's
// business hours or wall-clock time): chats, wait, first response and handle
// time (median and p90), satisfaction with its distribution and comments, a
// row per agent, and the chats as a CSV file (GET /api/reports/chats[.csv]).
// A dialog outside the console's re-rendered tree, like the tickets inbox.
import { h } from "../core/dom";
import type { StaffCall } from "./canned";
import type { StaffDownload } from "./tickets";

interface Stat { count: number; median: number | null; p90: number | null; average: number | null }
interface Report {
  chats: { started: number; answered: number; abandoned: number; escalated: number; transferred: number; still_open: number };
  wait_seconds: Stat; first_response_seconds: Stat; handle_seconds: Stat;
  csat: { rated: number; average: number | null; satisfied_share: number | null; distribution: number[];
    comments: { conversation_id: string; agent_id: string; score: number; comment: string; at_ms: number }[] };
  agents: { agent_id: string; chats: number; first_response: Stat; handle: Stat; rated: number; csat: number | null }[];
  truncated: boolean;
  tickets: { created: number; answered: number; answered_in_time: number; answered_late: number; overdue: number; waiting: number;
    closed_unanswered: number; first_response_seconds: Stat; in_time_share: number | null; truncated: boolean };
  help: { opened: number; judged: number; deflected: number; deflection_rate: number | null; helpful: number; not_helpful: number;
    articles: { article_id: string; locale: string; opened: number; deflected: number; helpful: number; not_helpful: number }[] };
}
export interface ReportAgent { agentId: string; name: string }

/** "45 s", "3 min 20 s", "2 h 05 min"; "—" for nothing to measure. */
export function durationText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h ${String(minutes).padStart(2, "0")} min`;
}

/** "yyyy-mm-dd" of a local day. */
export function dateValue(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The period of two local dates, both included: [start of `from`, start of the day after `to`). */
export function periodOf(from: string, to: string): { fromMs: number; toMs: number } | null {
  const day = (text: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  };
  const start = day(from), end = day(to);
  if (!start || !end) return null;
  end.setDate(end.getDate() + 1);
  return end > start ? { fromMs: start.getTime(), toMs: end.getTime() } : null;
}

const queues = ["account", "deposit", "withdrawal", "trading", "refund", "other", "tier2"];

function tile(measure: string, label: string, value: string, raw: number | null, detail = ""): HTMLElement {
  return h("div", { class: "tile", "data-measure": measure, "data-value": raw === null ? "" : String(raw) },
    h("span", { class: "value" }, value), h("span", { class: "label" }, label), detail ? h("span", { class: "meta" }, detail) : null);
}

export function openReports(call: StaffCall, download: StaffDownload, agents: ReportAgent[]): void {
  document.querySelector("dialog.reports-dialog")?.remove();
  const dialog = h("dialog", { class: "reports-dialog", "aria-label": "Reports" });
  const today = new Date();
  const weekAgo = new Date(today);
  weekAgo.setDate(today.getDate() - 6);
  const from = h("input", { type: "date", name: "from", value: dateValue(weekAgo), "aria-label": "From" });
  const to = h("input", { type: "date", name: "to", value: dateValue(today), "aria-label": "To" });
  const queue = h("select", { name: "queue", "aria-label": "Queue" },
    h("option", { value: "" }, "all queues"), ...queues.map((q) => h("option", { value: q }, q)));
  const agent = h("select", { name: "agent", "aria-label": "Agent" },
    h("option", { value: "" }, "all agents"), ...agents.map((a) => h("option", { value: a.agentId }, a.name)));
  const team = h("select", { name: "team", "aria-label": "Team" },
    h("option", { value: "" }, "all teams"), h("option", { value: "tier1" }, "tier 1"), h("option", { value: "tier2" }, "tier 2 (senior)"));
  const clock = h("select", { name: "hours", "aria-label": "Count time in" },
    h("option", { value: "business" }, "business hours"), h("option", { value: "wall" }, "wall-clock time"));
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const body = h("section", { class: "report", "aria-label": "Report", "aria-live": "polite", tabindex: 0 });
  const show = (err: Error) => { problem.textContent = err.message; problem.hidden = false; };
  const nameOf = (id: string) => agents.find((a) => a.agentId === id)?.name ?? id;

  const query = () => {
    const period = periodOf(from.value, to.value);
    if (!period) throw new Error("Choose a start date on or before the end date.");
    const q = new URLSearchParams({ from: String(period.fromMs), to: String(period.toMs), hours: clock.value });
    if (queue.value) q.set("queue", queue.value);
    if (agent.value) q.set("agent", agent.value);
    if (team.value) q.set("team", team.value);
    return q.toString();
  };

  const render = (r: Report) => {
    const stat = (measure: string, label: string, s: Stat) => [
      tile(`${measure}-median`, `${label}, median`, durationText(s.median), s.median, `${s.count} chats`),
      tile(`${measure}-p90`, `${label}, 90% within`, durationText(s.p90), s.p90)];
    const share = r.csat.satisfied_share;
    const most = Math.max(1, ...r.csat.distribution);
    body.replaceChildren(...[
      r.truncated ? h("p", { class: "notice", role: "status" }, "This period holds more chats than one report reads: the numbers cover its first 20,000 chats. Choose a shorter period.") : null,
      h("div", { class: "tiles" },
        tile("started", "Chats", String(r.chats.started), r.chats.started),
        tile("answered", "Answered", String(r.chats.answered), r.chats.answered),
        tile("abandoned", "Left before an answer", String(r.chats.abandoned), r.chats.abandoned),
        tile("escalated", "Escalated", String(r.chats.escalated), r.chats.escalated),
        tile("still_open", "Still open", String(r.chats.still_open), r.chats.still_open),
        ...stat("wait", "Wait", r.wait_seconds),
        ...stat("first_response", "First response", r.first_response_seconds),
        ...stat("handle", "Handle time", r.handle_seconds),
        tile("csat", "Satisfaction (of 5)", r.csat.average === null ? "—" : r.csat.average.toFixed(2), r.csat.average,
          `${r.csat.rated} rated${share === null ? "" : ` · ${Math.round(share * 100)}% gave 4 or 5`}`)),
      h("h3", {}, "Tickets"),
      h("div", { class: "tiles" },
        tile("tickets-created", "Tickets", String(r.tickets.created), r.tickets.created),
        tile("tickets-in-time", "Answered in time", r.tickets.in_time_share === null ? "—" : `${Math.round(r.tickets.in_time_share * 100)}%`,
          r.tickets.in_time_share, `${r.tickets.answered_in_time} of ${r.tickets.answered + r.tickets.overdue} due`),
        tile("tickets-late", "Answered late", String(r.tickets.answered_late), r.tickets.answered_late),
        tile("tickets-overdue", "Overdue, no reply", String(r.tickets.overdue), r.tickets.overdue),
        tile("tickets-waiting", "Not yet due", String(r.tickets.waiting), r.tickets.waiting),
        tile("tickets-first-response-median", "First reply, median", durationText(r.tickets.first_response_seconds.median),
          r.tickets.first_response_seconds.median, `${r.tickets.first_response_seconds.count} replied`)),
      h("h3", {}, "Help center"),
      h("div", { class: "tiles" },
        tile("help-opened", "Articles opened from the widget", String(r.help.opened), r.help.opened),
        tile("help-deflected", "No chat after (30 min)", r.help.deflection_rate === null ? "—" : `${Math.round(r.help.deflection_rate * 100)}%`,
          r.help.deflection_rate, `${r.help.deflected} of ${r.help.judged} judged`),
        tile("help-helpful", "Answered the question", String(r.help.helpful), r.help.helpful),
        tile("help-not-helpful", "Did not", String(r.help.not_helpful), r.help.not_helpful)),
      r.help.articles.length ? h("table", { class: "help-articles" },
        h("thead", {}, h("tr", {}, ...["Article", "Opened", "No chat after", "Helpful", "Not helpful"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, ...r.help.articles.slice(0, 20).map((a) => h("tr", { "data-article": `${a.locale}/${a.article_id}` },
          h("th", { scope: "row" }, h("a", { href: `/help/${a.locale}/${a.article_id}`, target: "_blank", rel: "noopener" }, `${a.article_id} (${a.locale})`)),
          h("td", {}, String(a.opened)), h("td", {}, String(a.deflected)), h("td", {}, String(a.helpful)), h("td", {}, String(a.not_helpful)))))) : null,
      h("h3", {}, "Ratings"),
      h("ol", { class: "distribution", "aria-label": "Ratings by score" }, ...[5, 4, 3, 2, 1].map((score) => {
        const n = r.csat.distribution[score - 1] ?? 0;
        return h("li", { "data-score": score },
          h("span", { class: "label" }, `${score} ★`),
          h("meter", { min: 0, max: most, value: n, "aria-label": `${score} stars` }),
          h("span", { class: "count" }, String(n)));
      })),
      h("h3", {}, "Agents"),
      r.agents.length === 0 ? h("p", { class: "empty" }, "No chats were answered in this period.") :
        h("table", { class: "agents-table" },
          h("thead", {}, h("tr", {}, ...["Agent", "Chats", "First response (median)", "Handle time (median)", "Satisfaction"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...r.agents.map((a) => h("tr", { "data-agent": a.agent_id },
            h("th", { scope: "row" }, nameOf(a.agent_id)),
            h("td", {}, String(a.chats)),
            h("td", {}, durationText(a.first_response.median)),
            h("td", {}, durationText(a.handle.median)),
            h("td", {}, a.csat === null ? "—" : `${a.csat.toFixed(2)} (${a.rated})`))))),
      h("h3", {}, "Comments"),
      r.csat.comments.length === 0 ? h("p", { class: "empty" }, "No comments in this period.") :
        h("ul", { class: "comments", "aria-label": "Comments, newest first" }, ...r.csat.comments.map((c) =>
          h("li", { "data-conversation": c.conversation_id },
            h("span", { class: "meta" }, `${"★".repeat(c.score)} · ${nameOf(c.agent_id)} · ${new Date(c.at_ms).toLocaleString()}`),
            h("p", {}, c.comment))))].filter((n) => n !== null) as HTMLElement[]);
  };

  const load = () => {
    problem.hidden = true;
    let q: string;
    try { q = query(); } catch (err) { show(err as Error); return; }
    body.setAttribute("aria-busy", "true");
    call("GET", `/api/reports/chats?${q}`).then((r) => render(r as unknown as Report)).catch(show)
      .finally(() => body.removeAttribute("aria-busy"));
  };
  const csv = () => {
    problem.hidden = true;
    try {
      download(`/api/reports/chats.csv?${query()}`, `parley-chats-${from.value}-to-${to.value}.csv`).catch(show);
    } catch (err) { show(err as Error); }
  };

  dialog.append(
    h("h3", {}, "Reports"),
    h("form", { class: "report-filters", onsubmit: (e: Event) => { e.preventDefault(); load(); } },
      h("label", {}, "From ", from), h("label", {}, "To ", to), queue, team, agent, clock,
      h("button", { type: "submit", class: "primary" }, "Show"),
      h("button", { type: "button", class: "csv", onclick: csv }, "Download CSV"),
      h("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, "Close")),
    problem, body);
  document.body.append(dialog);
  dialog.showModal();
  load();
}

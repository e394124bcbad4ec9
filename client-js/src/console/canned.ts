// Canned responses in the console: typed "/" and a few letters in the reply
// box, or picked from the list; managed in a dialog (GET/POST /api/canned,
// PUT/DELETE /api/canned/ID). The matching and filling are plain functions
// (test/canned.test.ts); the dialog lives outside the console's re-rendered tree.
import { h } from "../core/dom";

export interface CannedResponse {
  id: string;            // empty for a starter (the shipped set, read-only)
  shortcut: string;
  title: string;
  texts: Record<string, string>;  // "en", "zh-CN"
  shared: boolean;
  team: string;          // shared: "" everyone, "tier1", "tier2"
  mayEdit: boolean;
}

/** What the reply box says after "/" up to the caret, or null when it is not a shortcut being typed. */
export function slashQuery(beforeCaret: string): string | null {
  const m = /(?:^|\s)\/([a-z0-9_-]{0,32})$/i.exec(beforeCaret);
  return m ? m[1]!.toLowerCase() : null;
}

/** Responses whose shortcut starts with the query first, then those whose title has it; at most `max`. */
export function cannedMatches(all: CannedResponse[], query: string, max = 8): CannedResponse[] {
  const q = query.toLowerCase();
  const byShortcut = all.filter((c) => c.shortcut.startsWith(q));
  const byTitle = all.filter((c) => !c.shortcut.startsWith(q) && c.title.toLowerCase().includes(q));
  return [...byShortcut, ...byTitle].slice(0, max);
}

/** The text for a chat in `locale` (Chinese for zh*, else English), the other one if that is all there is. */
export function pickText(c: CannedResponse, locale: string): string {
  const zh = locale.toLowerCase().startsWith("zh");
  return (zh ? c.texts["zh-CN"] ?? c.texts.en : c.texts.en ?? c.texts["zh-CN"]) ?? "";
}

/** Fills {visitor_name}, {agent_name} and {transaction_id}; an unknown value stays as its placeholder, for the agent to see. */
export function fillCanned(text: string, values: Record<string, string>): string {
  return text.replace(/\{(visitor_name|agent_name|transaction_id)\}/g, (all, key: string) => values[key] || all);
}

/** Replaces the "/query" just before the caret with `text`; the new value and caret. */
export function insertAtSlash(value: string, caret: number, text: string): { value: string; caret: number } {
  const before = value.slice(0, caret);
  const at = before.lastIndexOf("/");
  const start = at < 0 ? caret : at;
  return { value: value.slice(0, start) + text + value.slice(caret), caret: start + text.length };
}

/** The shipped starters (public/canned-responses.json), read-only. */
export function starters(json: unknown): CannedResponse[] {
  const list = (json as { responses?: { shortcut?: string; title?: string; texts?: Record<string, string> }[] })?.responses ?? [];
  return list.filter((r) => r.shortcut && r.title && r.texts).map((r) => ({
    id: "", shortcut: r.shortcut!, title: r.title!, texts: r.texts!, shared: true, team: "", mayEdit: false,
  }));
}

interface ApiResponse { id: string; shortcut: string; title: string; texts: Record<string, string>; shared: boolean; team: string; may_edit: boolean }

export function fromApi(r: ApiResponse): CannedResponse {
  return { id: r.id, shortcut: r.shortcut, title: r.title, texts: r.texts, shared: r.shared, team: r.team, mayEdit: r.may_edit };
}

/** The server's responses with the starters whose shortcut nobody took. */
export function withStarters(saved: CannedResponse[], shipped: CannedResponse[]): CannedResponse[] {
  const taken = new Set(saved.map((c) => c.shortcut));
  return [...saved, ...shipped.filter((c) => !taken.has(c.shortcut))];
}

export type StaffCall = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

const teamNames: Record<string, string> = { "": "Everyone", tier1: "Tier 1", tier2: "Tier 2" };

/**
 * The dialog to create, change and delete canned responses. `mayShare`:
 * supervisors and admins (the server decides too). `changed` runs after every
 * successful change, to reload the list.
 */
export function openCannedManager(list: CannedResponse[], mayShare: boolean, call: StaffCall, changed: () => Promise<CannedResponse[]>): void {
  document.querySelector("dialog.canned-dialog")?.remove();
  const dialog = h("dialog", { class: "canned-dialog", "aria-label": "Canned responses" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const items = h("ul", { class: "canned-list", "aria-label": "Canned responses", tabindex: 0 });
  const shortcut = h("input", { name: "shortcut", required: true, maxlength: 32, pattern: "[a-z0-9_\\-]+", "aria-label": "Shortcut" });
  const title = h("input", { name: "title", required: true, maxlength: 80, "aria-label": "Title" });
  const en = h("textarea", { name: "en", maxlength: 2000, "aria-label": "English text" });
  const zh = h("textarea", { name: "zh", maxlength: 2000, "aria-label": "Chinese text" });
  const share = h("select", { name: "share", "aria-label": "Shared with" },
    h("option", { value: "mine" }, "Only me"),
    ...(mayShare ? Object.entries(teamNames).map(([team, name]) => h("option", { value: `team:${team}` }, `Shared: ${name}`)) : []));
  let editing = "";
  const save = h("button", { type: "submit", class: "primary" }, "Save");
  const reset = () => {
    editing = "";
    for (const field of [shortcut, title, en, zh]) field.value = "";
    share.value = "mine";
    save.textContent = "Save";
  };
  const show = (err: Error) => { problem.textContent = err.message; problem.hidden = false; };
  const draw = (all: CannedResponse[]) => {
    items.replaceChildren(...(all.length === 0 ? [h("li", { class: "empty" }, "No canned responses yet.")] : all.map((c) =>
      h("li", { "data-shortcut": c.shortcut },
        h("span", { class: "who" }, `/${c.shortcut}`), ` ${c.title} `,
        h("span", { class: "meta" }, c.id === "" ? "starter" : c.shared ? `shared · ${teamNames[c.team] ?? c.team}` : "mine"),
        c.mayEdit ? h("button", { type: "button", "aria-label": `Edit /${c.shortcut}`, onclick: () => {
          editing = c.id;
          shortcut.value = c.shortcut;
          title.value = c.title;
          en.value = c.texts.en ?? "";
          zh.value = c.texts["zh-CN"] ?? "";
          share.value = c.shared ? `team:${c.team}` : "mine";
          save.textContent = "Save changes";
          shortcut.focus();
        } }, "Edit") : null,
        c.mayEdit ? h("button", { type: "button", "aria-label": `Delete /${c.shortcut}`, onclick: () => {
          if (!confirm(`Delete /${c.shortcut}?`)) return;
          call("DELETE", `/api/canned/${encodeURIComponent(c.id)}`).then(() => changed()).then(draw).catch(show);
        } }, "Delete") : null))));
  };
  const form = h("form", { class: "canned-form" },
    h("label", {}, "Shortcut (typed after /)", shortcut), h("label", {}, "Title", title),
    h("label", {}, "English", en), h("label", {}, "中文 (Chinese)", zh),
    h("p", { class: "meta" }, "Placeholders: {visitor_name}, {agent_name}, {transaction_id}"),
    h("label", {}, "Who sees it", share),
    h("div", { class: "actions" }, save,
      h("button", { type: "button", onclick: reset }, "New"),
      h("button", { type: "button", onclick: () => { dialog.close(); dialog.remove(); } }, "Close")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    problem.hidden = true;
    const shared = share.value.startsWith("team:");
    const texts: Record<string, string> = {};
    if (en.value.trim()) texts.en = en.value;
    if (zh.value.trim()) texts["zh-CN"] = zh.value;
    const body = { shortcut: shortcut.value.trim(), title: title.value.trim(), shared, team: shared ? share.value.slice(5) : "", texts };
    call(editing ? "PUT" : "POST", editing ? `/api/canned/${encodeURIComponent(editing)}` : "/api/canned", body)
      .then(() => { reset(); return changed(); }).then(draw).catch(show);
  });
  dialog.append(h("h3", {}, "Canned responses"), problem, h("div", { class: "canned-body" }, items, form));
  document.body.append(dialog);
  draw(list);
  dialog.showModal();
  shortcut.focus();
}

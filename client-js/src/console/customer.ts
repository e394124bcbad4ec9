// The exchange's data about the chat's verified customer, beside the chat
// (GET /api/conversations/ID/customer): cards and tables as plain text, the
// time they are from, the visitor's transaction id marked where it appears.
// Nothing from the host is ever rendered as HTML.
import { formatTime, h } from "../core/dom";

export interface CustomerContext {
  state: "ok" | "unverified" | "off" | "unavailable" | "loading";
  reason?: string;
  cards?: { label: string; value: string }[];
  tables?: { title: string; columns: string[]; rows: string[][] }[];
  as_of_ms?: number;
  cached?: boolean;
  transaction_id?: string;
}

/** The panel for one chat; nothing when there is nothing to show (not configured, not a verified customer). */
export function customerPanel(ctx: CustomerContext | undefined, retry: () => void): HTMLElement | null {
  if (!ctx || ctx.state === "off" || ctx.state === "unverified") return null;
  // Scrollable when long: focusable, so a keyboard can scroll it.
  const section = h("section", { class: "customer-context", "aria-label": "Customer data from the exchange", tabindex: 0 });
  if (ctx.state === "loading") {
    section.append(h("p", { class: "meta" }, "Loading the customer's data from the exchange…"));
    return section;
  }
  if (ctx.state === "unavailable") {
    section.append(h("p", { class: "error" }, `Customer data unavailable (${ctx.reason ?? "no reason given"}).`),
      h("button", { type: "button", onclick: retry }, "Try again"));
    return section;
  }
  const tx = ctx.transaction_id ?? "";
  section.append(
    h("h3", {}, "From the exchange"),
    h("p", { class: "meta" }, `as of ${formatTime(ctx.as_of_ms ?? Date.now(), "en-GB")}`),
    h("dl", { class: "customer-cards" }, ...(ctx.cards ?? []).flatMap((c) => [h("dt", {}, c.label), h("dd", {}, c.value)])),
    ...(ctx.tables ?? []).map((t) => h("table", { class: "customer-table" },
      h("caption", {}, t.title),
      h("thead", {}, h("tr", {}, ...t.columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...t.rows.map((row) => h("tr", { class: tx && row.includes(tx) ? "tx-match" : "" },
        ...row.map((cell) => h("td", { class: tx && cell === tx ? "tx-match" : "" }, cell))))))),
  );
  return section;
}

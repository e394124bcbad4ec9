// Help articles from the console: a dialog that searches the help center in
// the visitor's language (GET /api/help/search, public) and puts the chosen
// article's title and link into the reply box; the agent sends it as any
// reply. A dialog outside the console's re-rendered tree, like the reports.
import { h } from "../core/dom";

export interface ArticleHit { id: string; locale: string; title: string; url: string; summary: string }

/** What goes into the reply box: the title and an absolute link the visitor can open. */
export function articleReply(origin: string, article: Pick<ArticleHit, "title" | "url">): string {
  return `${article.title}: ${origin}${article.url}`;
}

/** The help center's language for a chat in `locale`: Chinese for zh*, else English. */
export function helpLocale(locale: string): "zh-CN" | "en" {
  return locale.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function openArticlePicker(chatLocale: string, insert: (text: string) => void): void {
  document.querySelector("dialog.articles-dialog")?.remove();
  const locale = helpLocale(chatLocale);
  const dialog = h("dialog", { class: "articles-dialog", "aria-label": "Help articles" });
  const query = h("input", { type: "search", "aria-label": "Search help articles", placeholder: "Search help articles", maxlength: 200 });
  const status = h("p", { class: "meta", role: "status" });
  const list = h("ul", { class: "article-results" });
  let asked = 0;
  const search = async () => {
    const mine = ++asked;
    const q = query.value.trim();
    const url = q ? `/api/help/search?locale=${locale}&limit=8&q=${encodeURIComponent(q)}` : `/api/help/articles?locale=${locale}`;
    let found: ArticleHit[] = [];
    try {
      const res = await fetch(url);
      const body = await res.json();
      if (!res.ok) throw new Error(body?.message ?? res.statusText);
      found = (q ? body.results : body.articles) as ArticleHit[];
    } catch (e) {
      if (mine === asked) status.textContent = `The help center cannot be searched: ${(e as Error).message}`;
      return;
    }
    if (mine !== asked) return;  // a newer search is on its way
    status.textContent = found.length ? `${found.length} article${found.length === 1 ? "" : "s"} (${locale})` : "No article matches.";
    list.replaceChildren(...found.map((a) => h("li", { "data-article": a.id },
      h("button", { type: "button", class: "insert-article", onclick: () => {
        insert(articleReply(location.origin, a));
        dialog.close();
      } }, "Insert link"),
      h("a", { href: a.url, target: "_blank", rel: "noopener" }, a.title),
      h("p", { class: "meta" }, a.summary))));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  query.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => void search(), 200); });
  dialog.append(
    h("header", {}, h("h2", {}, "Help articles"), h("button", { type: "button", onclick: () => dialog.close() }, "Close")),
    query, status, list);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  query.focus();
  void search();
}

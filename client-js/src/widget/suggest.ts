// Help articles suggested while the visitor describes the problem, before a
// chat starts: the help center's top three for what they typed
// (GET /api/help/search), each opening in a new tab. Answers that arrive
// after a newer question are dropped.

export interface Suggestion { id: string; title: string; url: string }

/** What to search for, or null while there is too little to go on (2 Chinese characters, or 3 letters). */
export function suggestionQuery(text: string): string | null {
  const t = text.trim().replace(/\s+/g, " ");
  const chars = [...t];
  const chinese = chars.filter((c) => /\p{Script=Han}/u.test(c)).length;
  if (chinese < 2 && t.replace(/[^\p{L}\p{N}]/gu, "").length < 3) return null;
  return chars.slice(0, 200).join("");
}

/** The article's page, marked as opened from the widget by this visitor (for the deflection count). */
export function suggestionHref(base: string, url: string, visitorId: string): string {
  return `${base}${url}?ref=widget${visitorId ? `&visitor=${encodeURIComponent(visitorId)}` : ""}`;
}

export class Suggester {
  private asked = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly base: string, private readonly locale: () => string,
              private readonly show: (found: Suggestion[]) => void, private readonly delayMs = 250) {}

  /** The text changed: ask after a pause in typing. */
  typed(text: string): void {
    clearTimeout(this.timer);
    const q = suggestionQuery(text);
    if (q === null) {
      ++this.asked;
      return this.show([]);
    }
    this.timer = setTimeout(() => void this.ask(q), this.delayMs);
  }

  private async ask(q: string): Promise<void> {
    const mine = ++this.asked;
    try {
      const res = await fetch(`${this.base}/api/help/search?limit=3&locale=${encodeURIComponent(this.locale())}&q=${encodeURIComponent(q)}`);
      if (!res.ok) return;
      const body = await res.json() as { results: Suggestion[] };
      if (mine === this.asked) this.show(body.results.slice(0, 3));
    } catch {
      // No help center, or offline: no suggestions.
    }
  }
}

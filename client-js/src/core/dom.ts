// A tiny element builder. Text is always set with textContent, never as HTML,
// so visitor and agent text can never run as code.
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | number | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value as EventListener);
    else if (value === false) continue;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

export function formatTime(ms: number, locale: string, timeZone?: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone }).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleTimeString();
  }
}

/** Up to two letters for a name's avatar: "Li Wei" -> "LW", "Alice" -> "A", "王芳" -> "王". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = (w: string) => Array.from(w)[0]!;
  // Chinese, Japanese and Korean names: the first character says enough.
  if (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(first(words[0]!))) return first(words[0]!);
  return words.slice(0, 2).map((w) => first(w).toUpperCase()).join("");
}

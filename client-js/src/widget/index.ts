// The chat widget: a launcher in the bottom-right corner and a panel, both in a
// shadow root. Embed with <script src="https://support.example/widget.js" defer></script>;
// options via data- attributes or window.ParleyConfig = { locale, server, identityToken }.
import { Connection, type ConnectionState } from "../core/connection";
import { formatTime, h, initials } from "../core/dom";
import { Category, CloseReason, ErrorCode, NoticeKind, RequestOffer, type QueueAvailability, type SystemNotice } from "../core/protocol";
import { VisitorSession } from "../core/visitor-session";
import { pickLocale, strings, type Locale, type Strings } from "./i18n";
import { fetchRequests, httpBase, keepToken, keptTokens, leaveChatAsRequest, mailTranscript, newToken, sendRequest,
  serverTakesRequests, type SentRequest } from "./requests";
import { widgetCss } from "./styles";
import { Suggester, suggestionHref, type Suggestion } from "./suggest";
import { SecretGuard, provideWordlists, wordlistsProvided, type SecretKind, type Wordlists } from "../core/secrets";

interface WidgetConfig {
  locale?: string;
  server?: string; // ws:// or wss:// URL of the /ws endpoint
  /** The host site's HS256 JWT for its signed-in customer (see docs/client.md). */
  identityToken?: string;
}

declare global {
  interface Window {
    ParleyConfig?: WidgetConfig;
    Parley?: { open(): void; close(): void; setLocale(locale: string): void };
  }
}

const chatIcon =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';

function readConfig(): WidgetConfig {
  const script = document.currentScript as HTMLScriptElement | null;
  const fromTag: WidgetConfig = {
    locale: script?.dataset.locale,
    server: script?.dataset.server,
  };
  const base = script?.src ? new URL(script.src) : new URL(location.href);
  const defaultServer = `${base.protocol === "https:" ? "wss:" : "ws:"}//${base.host}/ws`;
  return { server: defaultServer, ...stripEmpty(fromTag), ...stripEmpty(window.ParleyConfig ?? {}) };
}

function stripEmpty(config: WidgetConfig): WidgetConfig {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v)) as WidgetConfig;
}

class Widget {
  private locale: Locale;
  private t: Strings;
  private readonly root: ShadowRoot;
  private readonly session: VisitorSession;
  private readonly connection: Connection;
  private connectionState: ConnectionState = "connecting";
  private open = false;
  private rating = 0;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private els!: {
    launcher: HTMLButtonElement; badge: HTMLSpanElement; panel: HTMLDivElement; status: HTMLSpanElement;
    banner: HTMLDivElement; body: HTMLDivElement; typing: HTMLDivElement; footer: HTMLDivElement;
    prechat: HTMLFormElement; messages: HTMLUListElement; offer: HTMLFormElement; mailForm: HTMLFormElement;
    composer: HTMLTextAreaElement; rating: HTMLDivElement;
    seniorButton: HTMLButtonElement; title: HTMLHeadingElement;
  };

  constructor(config: WidgetConfig) {
    this.locale = pickLocale(config.locale, navigator.languages ?? [navigator.language]);
    this.t = strings(this.locale);
    const host = h("div", { id: "parley-widget" });
    document.body.append(host);
    this.root = host.attachShadow({ mode: "open" });
    this.session = new VisitorSession(
      { send: (f) => this.connection.send(f), get ready() { return widget.connection.ready; } },
      localStorage,
      () => this.render(),
    );
    const widget = this;
    this.session.identityToken = config.identityToken ?? "";
    this.base = httpBase(config.server!);
    this.connection = new Connection({
      url: config.server!,
      hello: () => this.session.hello(),
      onFrame: (frame) => this.session.handle(frame),
      onState: (state, detail) => {
        // A refused identity token (expired, say) must not cost the customer
        // their chat: carry on anonymously.
        if (state === "stopped" && detail === "bad identity token" && this.session.identityToken) {
          this.session.identityToken = "";
          this.connection.start();
          return;
        }
        this.connectionState = state;
        this.render();
      },
    });
    this.build();
    // Someone with a chat in progress reconnects at once; others when they open the panel.
    if (this.session.conversationId) {
      this.connection.start();
      this.connectionStarted = true;
    }
    this.render();
    // A reload (or the next page of the site) mid-chat keeps the panel as it was, in this tab.
    if (this.session.conversationId && readPanelOpen()) this.toggle(true, false);
  }

  setLocale(locale: string): void {
    this.locale = pickLocale(locale, []);
    this.t = strings(this.locale);
    this.build();
    this.render();
  }

  toggle(open: boolean, focus = true): void {
    if (open) void this.loadWordlists();  // ready before the first message is typed
    if (open === this.open) return;
    this.open = open;
    writePanelOpen(open);
    if (open && this.connection.state === "connecting" && !this.connectionStarted) this.connection.start();
    if (open && !this.requestsLoaded) this.loadRequests();
    this.connectionStarted = true;
    this.render();
    if (open) {
      this.session.markRead();
      // Not on a reload: the page, not the widget, decides where focus starts.
      if (focus) queueMicrotask(() => this.firstFocusable()?.focus());
    } else if (focus) {
      this.els.launcher.focus();
    }
  }
  private connectionStarted = false;
  // Requests left when nobody could chat (src/widget/requests.ts).
  private readonly base: string;
  private requests: SentRequest[] = [];
  private requestsLoaded = false;
  private requestNotice = "";
  private requestError = "";
  // Secrets never leave the browser: what was held back, and the guard that
  // remembers the words of the last messages (a phrase sent in parts).
  private secretWarning = "";
  private readonly secretGuard = new SecretGuard();
  private wordlists: Promise<void> | null = null;
  private offerError = "";
  private sendingRequest = false;
  private pendingToken = "";  // kept across a failed send: a retry is the same request
  // Until the server says it takes requests (it keeps records), the form starts chats as before.
  private requestsOff = true;
  private escListener: ((e: KeyboardEvent) => void) | null = null;
  private lastPhase = "";

  private build(): void {
    const t = this.t;
    this.root.replaceChildren();
    this.root.append(h("style", {}, widgetCss));
    const badge = h("span", { class: "badge", hidden: true });
    const launcher = h("button", { class: "launcher", type: "button", "aria-label": t.launcher, "aria-haspopup": "dialog", onclick: () => this.toggle(!this.open) });
    launcher.innerHTML = chatIcon; // constant markup, no user text
    launcher.append(badge);
    const status = h("span", { class: "status", role: "status", "aria-live": "polite" });
    const title = h("h2", { id: "parley-title" }, t.title);
    title.append(status);
    const banner = h("div", { class: "banner", role: "alert", hidden: true }, t.reconnecting);
    const prechat = this.buildPrechat();
    const messages = h("ul", { class: "messages", "aria-live": "polite", "aria-label": t.title });
    const rating = h("div", { class: "rating" });
    const offer = this.buildOffer();
    const mailForm = this.buildTranscriptForm();
    const body = h("div", { class: "body" }, prechat, messages, offer, rating, mailForm);
    const typing = h("div", { class: "typing", "aria-live": "polite" });
    const composer = h("textarea", { rows: 1, placeholder: t.placeholder, "aria-label": t.placeholder, maxlength: 4000 });
    composer.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.sendComposer();
      }
    });
    composer.addEventListener("input", () => this.onTyping());
    const seniorButton = h("button", { class: "secondary", type: "button", onclick: () => this.session.requestSenior() }, t.requestSenior);
    const footer = h(
      "div",
      {},
      h("p", { class: "secret-warning", role: "alert", hidden: true }),
      h("div", { class: "actions" }, seniorButton, h("button", { class: "secondary", type: "button", onclick: () => this.session.end() }, t.end)),
      h("div", { class: "composer" }, composer, h("button", { class: "primary", type: "button", onclick: () => void this.sendComposer() }, t.send)),
    );
    const panel = h(
      "div",
      { class: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "parley-title", hidden: true },
      h("header", {}, h("span", { class: "avatar", "aria-hidden": "true", hidden: true }), title, h("button", { class: "icon-button", type: "button", "aria-label": t.close, onclick: () => this.toggle(false) }, "×")),
      banner,
      body,
      typing,
      footer,
    );
    panel.addEventListener("keydown", (e) => this.trapKeys(e));
    if (!this.escListener) {
      // Esc closes the panel even when focus is on the host page.
      this.escListener = (e: KeyboardEvent) => {
        if (e.key === "Escape" && this.open) this.toggle(false);
      };
      document.addEventListener("keydown", this.escListener);
    }
    this.root.append(launcher, panel);
    this.els = { launcher, badge, panel, status, banner, body, typing, footer, prechat, messages, offer, mailForm, composer, rating, seniorButton, title };
  }

  /** Whether the chosen topic can be chatted about now; if not, the form leaves a request. */
  private offline(): boolean {
    if (this.requestsOff || !this.els) return false;
    const chosen = this.session.availability.get(Number(this.els.prechat.querySelector("select")!.value) as Category);
    return !!chosen && (!chosen.open || !chosen.staffed);
  }

  private loadRequests(): void {
    this.requestsLoaded = true;
    void serverTakesRequests(this.base).then((takes) => {
      this.requestsOff = !takes;
      this.render();
    });
    const tokens = keptTokens(localStorage);
    if (tokens.length === 0) return;
    void fetchRequests(this.base, tokens).then((list) => {
      this.requests = list;
      this.render();
    });
  }

  // A request was made (from the form or a waiting chat): its secret kept in
  // this browser, listed with the others, the visitor told its number and deadline.
  private requestMade(request: SentRequest, token: string): void {
    keepToken(localStorage, token);
    this.pendingToken = "";
    this.requests = [request, ...this.requests.filter((r) => r.number !== request.number)];
    this.requestNotice = this.t.requestSent(request.number, localTime(request.due_ms, this.locale), request.email);
  }

  private async leaveRequest(form: HTMLFormElement): Promise<void> {
    const t = this.t;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const names = ["account", "deposit", "withdrawal", "trading", "refund", "other"];
    const select = form.querySelector("select")!;
    this.sendingRequest = true;
    this.requestError = "";
    this.render();
    const token = this.pendingToken || (this.pendingToken = newToken());
    const result = await sendRequest(this.base, {
      category: names[select.selectedIndex] ?? "other", subject: field("subject"), text: field("message"),
      transactionId: field("transactionId"), name: field("name"), email: field("email"), locale: this.locale,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, pageUrl: location.href,
    }, token);
    this.sendingRequest = false;
    if (result.ok) {
      this.requestMade(result.request, token);
      (form.elements.namedItem("message") as HTMLTextAreaElement).value = "";
    } else if (result.code === "no_records") {
      this.requestsOff = true;  // this server takes chats only: start one as before
      this.render();
      return form.requestSubmit();
    } else {
      // What they typed stays; the reason in their language.
      this.requestError = result.code === "rate_limited" ? t.requestRefused.rateLimited
        : result.code === "limit_reached" ? t.requestRefused.limitReached
        : result.code === "invalid_request" ? t.requestRefused.invalid
        : t.requestRefused.other;
    }
    this.render();
  }

  // While queued in vain: leave the chat as a request (e-mail needed), or keep waiting.
  private buildOffer(): HTMLFormElement {
    const t = this.t;
    const email = h("input", { name: "requestEmail", type: "email", required: true, maxlength: 254, autocomplete: "email" });
    const form = h("form", { class: "request-offer", hidden: true, novalidate: true },
      h("p", { class: "offer-reason", role: "status" }),
      h("label", {}, h("span", {}, t.emailRequired), email),
      h("p", { class: "error", role: "alert", hidden: true }),
      h("button", { class: "primary", type: "submit" }, t.leaveChatAsRequest));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!email.value.trim() || !email.checkValidity()) return email.focus();
      void this.leaveChat(form, email.value.trim());
    });
    return form;
  }

  private async leaveChat(form: HTMLFormElement, email: string): Promise<void> {
    const s = this.session;
    this.sendingRequest = true;
    this.offerError = "";
    this.render();
    const token = this.pendingToken || (this.pendingToken = newToken());
    const result = await leaveChatAsRequest(this.base, { conversationId: s.conversationId, resumeToken: s.resumeToken, email }, token);
    this.sendingRequest = false;
    if (result.ok) {
      this.requestMade(result.request, token);
    } else {
      this.offerError = result.code === "rate_limited" ? this.t.requestRefused.rateLimited
        : result.code === "invalid_request" ? this.t.requestRefused.invalid
        : result.code === "not_waiting" ? "" // an agent took the chat meanwhile: nothing to say
        : this.t.requestRefused.other;
    }
    form.querySelector("button")!.disabled = false;
    this.render();
  }

  // After the chat: its transcript by e-mail (servers that keep records).
  private buildTranscriptForm(): HTMLFormElement {
    const t = this.t;
    const email = h("input", { name: "transcriptEmail", type: "email", required: true, maxlength: 254, autocomplete: "email",
      "aria-label": t.emailRequired });
    const status = h("p", { class: "transcript-status", role: "status" });
    const button = h("button", { class: "secondary", type: "submit" }, t.transcript.ask);
    const form = h("form", { class: "transcript-mail", hidden: true, novalidate: true }, email, button, status);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const address = email.value.trim();
      if (!address || !email.checkValidity()) {
        status.textContent = t.transcript.invalid;
        return email.focus();
      }
      button.disabled = true;
      const s = this.session;
      void mailTranscript(this.base, { conversationId: s.conversationId, resumeToken: s.resumeToken, email: address }).then((code) => {
        button.disabled = false;
        status.textContent = code === "" ? t.transcript.sent(address)
          : code === "limit_reached" ? t.transcript.limit
          : code === "invalid_request" ? t.transcript.invalid
          : t.transcript.failed;
      });
    });
    return form;
  }

  private renderTranscriptForm(): void {
    const { session: s, els } = this;
    const shown = (s.phase === "closed" || s.phase === "rated") && s.closeReason !== CloseReason.REQUEST_LEFT &&
      !this.requestsOff && !!s.conversationId;
    if (els.mailForm.hidden === !shown) return;
    els.mailForm.hidden = !shown;
    els.mailForm.querySelector<HTMLElement>(".transcript-status")!.textContent = "";
    const email = els.mailForm.querySelector<HTMLInputElement>("input[name=transcriptEmail]")!;
    if (shown && !email.value) email.value = els.prechat.querySelector<HTMLInputElement>("input[name=email]")!.value;
  }

  // The warning shows where the visitor typed: the form before a chat, the composer in one.
  private renderSecretWarning(): void {
    const { session: s, els } = this;
    const inChat = s.phase === "queued" || s.phase === "chatting";
    const composerWarning = els.footer.querySelector<HTMLElement>(".secret-warning")!;
    composerWarning.hidden = !inChat || !this.secretWarning;
    composerWarning.textContent = inChat ? this.secretWarning : "";
    if (!inChat && this.secretWarning) {
      const refused = els.prechat.querySelector<HTMLParagraphElement>("p.error")!;
      refused.hidden = false;
      refused.textContent = this.secretWarning;
    }
  }

  private renderOffer(): void {
    const { t, session: s, els } = this;
    const offered = s.phase === "queued" && s.requestOffer !== RequestOffer.NONE && !this.requestsOff;
    els.offer.hidden = !offered;
    if (!offered) return;
    const reason = s.requestOffer === RequestOffer.CLOSED ? t.offer.closed
      : s.requestOffer === RequestOffer.NOBODY_ONLINE ? t.offer.nobodyOnline : t.offer.waitedLong;
    const said = els.offer.querySelector<HTMLElement>(".offer-reason")!;
    if (said.textContent !== reason) said.textContent = reason;
    const email = els.offer.querySelector<HTMLInputElement>("input[name=requestEmail]")!;
    // What the visitor gave in the form is the default.
    if (!email.value) email.value = els.prechat.querySelector<HTMLInputElement>("input[name=email]")!.value;
    const error = els.offer.querySelector<HTMLElement>("p.error")!;
    error.hidden = !this.offerError;
    error.textContent = this.offerError;
    els.offer.querySelector<HTMLButtonElement>("button")!.disabled = this.sendingRequest;
  }

  private renderRequests(): void {
    const { t, els } = this;
    const list = els.prechat.querySelector<HTMLElement>(".requests")!;
    list.hidden = this.requests.length === 0;
    const sig = JSON.stringify(this.requests.map((r) => [r.number, r.status, r.messages.length]));
    if (list.dataset.sig === sig) return;
    list.dataset.sig = sig;
    list.replaceChildren(
      h("h3", {}, t.yourRequests),
      ...this.requests.map((r) => h(
        "section",
        { class: "request", "data-number": r.number },
        h("p", { class: "request-head" }, `#${r.number} ${r.subject} · ${t.requestStatus[r.status] ?? r.status}`),
        ...r.messages.filter((m) => m.from === "support").map((m) =>
          h("p", { class: "request-reply" }, h("span", { class: "meta" }, `${t.fromSupport(m.author_name)} · ${localTime(m.time_ms, this.locale)}`), h("br", {}), m.text)),
      )),
    );
  }

  private buildPrechat(): HTMLFormElement {
    const t = this.t;
    const categories = [Category.ACCOUNT, Category.DEPOSIT, Category.WITHDRAWAL, Category.TRADING, Category.REFUND, Category.OTHER];
    const select = h("select", { name: "category" }, ...categories.map((c, i) => h("option", { value: c }, t.categories[i])));
    const message = h("textarea", { name: "message", required: true, maxlength: 4000 });
    const subject = h("input", { name: "subject", maxlength: 200, autocomplete: "off" });
    const tx = h("input", { name: "transactionId", maxlength: 128, autocomplete: "off" });
    const name = h("input", { name: "name", maxlength: 80, autocomplete: "name" });
    const email = h("input", { name: "email", type: "email", maxlength: 254, autocomplete: "email" });
    const submit = h("button", { class: "primary", type: "submit" }, t.start);
    const refused = h("p", { class: "error", role: "alert", hidden: true });
    const sent = h("p", { class: "request-sent", role: "status", hidden: true });
    const requests = h("div", { class: "requests", hidden: true });
    // Whether the chosen topic is served now; follows the select and the server.
    const availability = h("p", { class: "availability", role: "status", "aria-live": "polite", hidden: true });
    select.addEventListener("change", () => this.render());
    // Help articles for what the visitor is describing, as they type.
    const suggestions = h("div", { class: "suggestions", "aria-live": "polite", hidden: true });
    const suggester = new Suggester(this.base, () => this.locale, (found: Suggestion[]) => {
      suggestions.hidden = found.length === 0;
      suggestions.replaceChildren(...(found.length ? [
        h("p", {}, t.suggested),
        h("ul", {}, ...found.map((a) => h("li", {}, h("a", { href: suggestionHref(this.base, a.url, this.session.visitorId), target: "_blank", rel: "noopener" }, a.title)))),
      ] : []));
    });
    message.addEventListener("input", () => suggester.typed(message.value));
    const form = h(
      "form",
      { class: "prechat" },
      requests,
      sent,
      h("p", { class: "intro" }, t.intro),
      h("label", {}, t.category, select),
      availability,
      h("label", {}, t.subject, subject),
      h("label", {}, t.message, message),
      suggestions,
      h("label", {}, t.transactionId, tx),
      h("label", {}, t.name, name),
      h("label", { class: "email" }, h("span", {}, t.email), email),
      refused,
      submit,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!message.value.trim()) return message.focus();
      if (!wordlistsProvided()) await this.loadWordlists();
      if (this.heldBack(message.value) || this.heldBack(subject.value)) {
        this.render();
        return message.focus();
      }
      this.secretGuard.sent(message.value);
      if (this.offline()) {
        if (!email.value.trim() || !email.checkValidity()) return email.focus();
        if (!this.sendingRequest) void this.leaveRequest(form);
        return;
      }
      this.session.start({
        category: Number(select.value) as Category,
        message: message.value,
        subject: subject.value.trim(),
        transactionId: tx.value.trim(),
        name: name.value.trim(),
        email: email.value.trim(),
        pageUrl: location.href,
        locale: this.locale,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      });
      // The text stays until the chat has started: a refused start keeps it.
    });
    return form;
  }

  private render(): void {
    if (!this.els) return;
    const { t, session: s, els } = this;
    els.panel.hidden = !this.open;
    els.badge.hidden = s.unread === 0 || this.open;
    els.badge.textContent = String(s.unread);
    els.badge.setAttribute("aria-label", t.unread(s.unread));
    if (this.open && s.unread > 0) s.markRead();
    els.banner.hidden = this.connectionState !== "reconnecting" && !s.historyLost;
    els.banner.textContent = this.connectionState === "reconnecting" ? t.reconnecting : t.historyLost;

    const minutes = Math.max(1, Math.ceil(s.estimatedWaitSeconds / 60));
    els.status.textContent =
      s.phase === "starting" ? t.starting
      : s.phase === "queued" ? (s.tier >= 2 ? t.queuedSenior(s.queuePosition || 1, minutes) : t.queued(s.queuePosition || 1, minutes))
      : s.phase === "chatting" ? (s.senior ? t.seniorWith(s.agentName) : t.chattingWith(s.agentName))
      : s.phase === "closed" || s.phase === "rated" ? t.ended
      : "";

    // The agent's initials beside the title while they are with the visitor.
    const avatar = els.panel.querySelector<HTMLElement>("header .avatar")!;
    avatar.hidden = s.phase !== "chatting" || !s.agentName;
    avatar.textContent = avatar.hidden ? "" : initials(s.agentName);
    const inChat = s.phase === "queued" || s.phase === "chatting";
    els.prechat.hidden = s.phase !== "prechat" && s.phase !== "starting";
    const refused = els.prechat.querySelector<HTMLParagraphElement>("p.error")!;
    refused.hidden = s.phase !== "prechat" || s.startRefused === null;
    refused.textContent = s.startRefused === null ? "" : refusalText(t, s.startRefused);
    const availability = els.prechat.querySelector<HTMLElement>(".availability")!;
    const chosen = s.availability.get(Number(els.prechat.querySelector("select")!.value) as Category);
    const said = chosen ? availabilityText(t, chosen, this.locale) : "";
    if (availability.textContent !== said) availability.textContent = said;
    availability.hidden = !said;
    availability.dataset.open = chosen ? String(chosen.open) : "";
    if (inChat) els.prechat.querySelector("textarea")!.value = "";  // it is the chat's first message now
    // Nobody to chat with: the same form leaves a request (e-mail required).
    const offline = this.offline();
    const submit = els.prechat.querySelector<HTMLButtonElement>("button[type=submit]")!;
    submit.disabled = s.phase === "starting" || this.sendingRequest;
    submit.textContent = offline ? t.leaveRequest : t.start;
    els.prechat.querySelector<HTMLElement>("p.intro")!.textContent = offline ? t.leaveIntro : t.intro;
    const emailInput = els.prechat.querySelector<HTMLInputElement>("input[name=email]")!;
    emailInput.required = offline;
    els.prechat.querySelector<HTMLElement>("label.email span")!.textContent = offline ? t.emailRequired : t.email;
    if (offline || this.requestError) {
      refused.hidden = !this.requestError;
      refused.textContent = this.requestError;
    }
    const sent = els.prechat.querySelector<HTMLElement>("p.request-sent")!;
    sent.hidden = !this.requestNotice;
    sent.textContent = this.requestNotice;
    this.renderRequests();
    els.footer.hidden = !inChat;
    els.seniorButton.hidden = s.senior || s.tier >= 2;
    els.seniorButton.disabled = s.seniorRequested;
    els.seniorButton.textContent = s.seniorRequested ? t.seniorRequested : t.requestSenior;
    els.typing.textContent = s.agentTyping && s.agentName ? t.typing(s.agentName) : "";

    this.renderMessages();
    this.renderSecretWarning();
    this.renderOffer();
    this.renderRating();
    this.renderTranscriptForm();
    // When the view changes under the keyboard user, keep focus inside the panel.
    if (this.open && s.phase !== this.lastPhase) {
      const active = this.root.activeElement as HTMLElement | null;
      if (!active || active.closest("[hidden]") || (active as HTMLButtonElement).disabled) {
        if (inChat) els.composer.focus();
        else queueMicrotask(() => this.firstFocusable()?.focus());
      }
    }
    this.lastPhase = s.phase;
  }

  private renderMessages(): void {
    const { t, session: s, els } = this;
    const transcript = s.transcript;
    els.messages.hidden = !transcript;
    if (!transcript) return els.messages.replaceChildren();
    const nearBottom = els.body.scrollHeight - els.body.scrollTop - els.body.clientHeight < 40;
    // Only what changed is touched: the list is a live region, and a screen
    // reader would read a rebuilt list again.
    const wanted = transcript.entries().map((e) => {
      const state = e.mine ? transcript.stateOf(e, s.phase === "chatting") : null;
      // One's own message keeps its element from sending to stored.
      const key = e.mine && e.clientMessageId ? `c${e.clientMessageId}` : e.key;
      const text = e.system ? noticeText(t, e.notice, this.locale) ?? e.text : e.text;
      const sig = `${e.seq}|${state ?? ""}|${e.timeMs}|${text}|${e.masked?.join() ?? ""}`;
      const make = (): HTMLElement => {
        const attrs = { "data-key": key, "data-seq": e.seq };
        const li = e.system
          ? h("li", { ...attrs, class: "msg system" }, text)
          : h(
            "li",
            { ...attrs, class: e.mine ? "msg mine" : "msg", "data-state": state ?? "" },
            e.mine ? h("span", { class: "sr-only" }, `${t.you}: `)
              : h("span", { class: "who" }, h("span", { class: "avatar small", "aria-hidden": "true" }, initials(e.senderName)), e.senderName),
            text,
            e.masked ? h("span", { class: "masked-note" }, t.secrets.removed) : null,
            h("span", { class: "meta" }, formatTime(e.timeMs, this.locale), state ? ` · ${t.states[state]}` : ""),
          );
        li.dataset.sig = sig;
        return li;
      };
      return { key, sig, make };
    });
    const keys = new Set(wanted.map((w) => w.key));
    for (const child of [...els.messages.children] as HTMLElement[])
      if (!keys.has(child.dataset.key ?? "")) child.remove();
    let node = els.messages.firstElementChild as HTMLElement | null;
    for (const w of wanted) {
      if (node && node.dataset.key === w.key) {
        const next = node.nextElementSibling as HTMLElement | null;
        if (node.dataset.sig !== w.sig) node.replaceWith(w.make());
        node = next;
      } else {
        els.messages.insertBefore(w.make(), node);
      }
    }
    if (nearBottom) els.body.scrollTop = els.body.scrollHeight;
  }

  private renderRating(): void {
    const { t, session: s, els } = this;
    if (s.phase === "rated") {
      els.rating.replaceChildren(
        h("p", { class: "notice" }, t.thanks),
        h("button", { class: "secondary", type: "button", onclick: () => s.newChat() }, t.newChat),
      );
      return;
    }
    if (s.phase !== "closed") return els.rating.replaceChildren();
    if (s.closeReason === CloseReason.REQUEST_LEFT) {
      // Nobody served it: nothing to rate; the notice above says the number and deadline.
      if (els.rating.querySelector(".request-left")) return;
      els.rating.replaceChildren(
        h("p", { class: "notice request-left" }, t.requestLeft),
        h("button", { class: "secondary", type: "button", onclick: () => s.newChat() }, t.newChat),
      );
      return;
    }
    if (els.rating.querySelector(".request-left")) els.rating.replaceChildren();
    if (els.rating.childElementCount > 0) return; // keep the comment being typed
    const stars = h("div", { class: "stars", role: "group", "aria-label": t.ratePrompt });
    const comment = h("textarea", { "aria-label": t.comment, placeholder: t.comment, maxlength: 1000 });
    const submit = h("button", { class: "primary", type: "button", disabled: true }, t.submitRating);
    for (let n = 1; n <= 5; n++) {
      stars.append(
        h("button", {
          class: "star", type: "button", "aria-label": t.rateStar(n), "aria-pressed": "false", "data-score": n,
          onclick: () => {
            this.rating = n;
            stars.querySelectorAll("button").forEach((b, i) => b.setAttribute("aria-pressed", String(i < n)));
            submit.disabled = false;
          },
        }, "★"),
      );
    }
    submit.addEventListener("click", () => s.rate(this.rating, comment.value));
    els.rating.replaceChildren(h("p", { class: "notice" }, t.ended), h("p", { class: "notice" }, t.ratePrompt), stars, comment, submit);
  }

  // The BIP39 lists, loaded once the panel opens (dist/bip39.js, by a script
  // tag like widget.js itself, so a host site's page may load it). Without
  // them only keys, codes and passwords are caught here; the server masks
  // every kind whatever happens here. Waits at most 3 s.
  private loadWordlists(): Promise<void> {
    if (wordlistsProvided()) return Promise.resolve();
    if (!this.wordlists) {
      this.wordlists = new Promise((resolve) => {
        const script = document.createElement("script");
        script.src = `${this.base}/bip39.js`;
        script.async = true;
        script.onload = () => {
          const lists = (globalThis as unknown as { ParleyBip39?: Wordlists }).ParleyBip39;
          if (lists) provideWordlists(lists);
          resolve();
        };
        script.onerror = () => {
          this.wordlists = null;  // tried again at the next send
          resolve();
        };
        document.head.append(script);
      });
    }
    return Promise.race([this.wordlists, new Promise<void>((r) => setTimeout(r, 3000))]);
  }

  // Held back, with why: the text stays for the visitor to remove the secret.
  private heldBack(text: string): boolean {
    const kinds = this.secretGuard.check(text);
    this.secretWarning = kinds.length ? secretText(this.t, kinds) : "";
    return kinds.length > 0;
  }

  private async sendComposer(): Promise<void> {
    const text = this.els.composer.value;
    if (!text.trim()) return;
    if (!wordlistsProvided()) await this.loadWordlists();
    if (this.els.composer.value !== text) return;  // changed while loading: the visitor sends again
    const held = this.heldBack(text);
    this.renderSecretWarning();
    if (held) return this.els.composer.focus();
    this.secretGuard.sent(text);
    this.session.sendMessage(text);
    this.els.composer.value = "";
    this.session.setTyping(false);
  }

  private onTyping(): void {
    if (!this.typingTimer) this.session.setTyping(true);
    else clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      this.session.setTyping(false);
    }, 3000);
  }

  private focusables(): HTMLElement[] {
    return [...this.els.panel.querySelectorAll<HTMLElement>("button, textarea, input, select")].filter(
      (el) => !el.closest("[hidden]") && !(el as HTMLButtonElement).disabled,
    );
  }

  private firstFocusable(): HTMLElement | undefined {
    const inputs = this.focusables().filter((el) => el.tagName !== "BUTTON");
    return inputs[0] ?? this.focusables()[0];
  }

  // Esc closes; Tab cycles inside the panel.
  private trapKeys(e: KeyboardEvent): void {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      return this.toggle(false);
    }
    if (e.key !== "Tab") return;
    const items = this.focusables();
    if (items.length === 0) return;
    const active = this.root.activeElement;
    const first = items[0]!, last = items[items.length - 1]!;
    if (e.shiftKey && active === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  }
}

// Whether the panel was open in this tab (sessionStorage; unavailable storage: closed).
function readPanelOpen(): boolean {
  try {
    return sessionStorage.getItem("parley.widget.open") === "1";
  } catch {
    return false;
  }
}
function writePanelOpen(open: boolean): void {
  try {
    if (open) sessionStorage.setItem("parley.widget.open", "1");
    else sessionStorage.removeItem("parley.widget.open");
  } catch {
    // Storage refused (private mode, a sandboxed frame): the panel just starts closed.
  }
}

// document.currentScript is only set while this script first runs.
const config = readConfig();

function boot(): void {
  if (window.Parley) return;
  const widget = new Widget(config);
  window.Parley = {
    open: () => widget.toggle(true),
    close: () => widget.toggle(false),
    setLocale: (locale) => widget.setLocale(locale),
  };
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();

/** What the pre-chat form says about the chosen topic now; times in the visitor's own zone. */
function availabilityText(t: Strings, q: QueueAvailability, locale: string): string {
  if (q.open) return q.staffed ? t.availableWait(Math.max(1, Math.ceil(q.estimatedWaitSeconds / 60))) : t.availableNoAgent;
  const next = Number(q.nextOpenMs);
  if (!next) return t.closedNow;
  const soon = next - Date.now() < 6 * 86_400_000;
  let when: string;
  try {
    when = new Intl.DateTimeFormat(locale, soon ? { weekday: "long", hour: "2-digit", minute: "2-digit" }
      : { weekday: "long", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(next));
  } catch {
    when = new Date(next).toLocaleString();
  }
  return t.closedUntil(when);
}

function localTime(ms: number, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { weekday: "long", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
  } catch {
    return new Date(ms).toLocaleString();
  }
}

function secretText(t: Strings, kinds: SecretKind[]): string {
  return `${t.secrets.held(kinds.map((k) => t.secrets.kinds[k]).join(t.secrets.and))} ${t.secrets.never}`;
}

function refusalText(t: Strings, code: ErrorCode): string {
  switch (code) {
    case ErrorCode.RATE_LIMITED: return t.refused.rateLimited;
    case ErrorCode.INVALID_ARGUMENT: return t.refused.invalid;
    case ErrorCode.UNAVAILABLE: return t.refused.unavailable;
    default: return t.refused.other;
  }
}

// A system message in the reader's language; undefined for a code this widget
// does not know (its English text is shown then).
function noticeText(t: Strings, notice: SystemNotice | undefined, locale: string): string | undefined {
  switch (notice?.kind) {
    case NoticeKind.TICKET_OPENED:
      return t.notices.ticketOpened(String(notice.ticketNumber), localTime(Number(notice.dueMs), locale));
    case NoticeKind.AGENT_JOINED: return t.notices.agentJoined(notice.agentName);
    case NoticeKind.SENIOR_JOINED: return t.notices.seniorJoined(notice.agentName);
    case NoticeKind.AGENT_DISCONNECTED: return t.notices.agentDisconnected;
    case NoticeKind.ESCALATING: return t.notices.escalating;
    case NoticeKind.VISITOR_ENDED: return t.notices.visitorEnded;
    case NoticeKind.CLOSED: return t.notices.closed;
    case NoticeKind.VISITOR_LEFT: return t.notices.visitorLeft;
    default: return undefined;
  }
}

// Secrets a customer must never send, found before a message leaves the
// browser: the same rules as the server's server/secrets/detector.cpp (which
// masks whatever gets past this), for the English and Chinese BIP39 lists.
// Shared test table: tests/data/secrets-corpus.json.
//  - seed phrase: 12+ BIP39 words in a row from one list (NFKD, case folded,
//    accents ignored, numbering skipped, four letters enough; Chinese only as
//    single characters separated by spaces);
//  - private key: WIF or extended private key with a valid base58check
//    checksum; 64 hex digits only after "private key", "privkey", 私钥, 密钥;
//  - a 2FA code or a password, by context.

export type SecretKind = "seed_phrase" | "private_key" | "code" | "password";

export const phraseWords = 12;

const fold = (word: string) => word.normalize("NFKD").toLowerCase().replace(/[\u0300-\u036f]/g, "");

/** The wordlists, each its words separated by spaces (src/gen/bip39.ts, or dist/bip39.js loaded by the widget). */
export interface Wordlists { english: string; chinese_simplified: string; chinese_traditional: string }

interface List { words: Map<string, number>; prefixes: Map<string, number>; single: boolean }
let lists: List[] | null = null;
let provided: Wordlists | null = null;

/** Gives the detector its wordlists; until then it finds keys, codes and passwords only. */
export function provideWordlists(w: Wordlists): void {
  provided = w;
  lists = null;
}
export const wordlistsProvided = () => provided !== null;

function wordlists(): List[] {
  if (lists) return lists;
  if (!provided) return [];
  const { english, chinese_simplified, chinese_traditional } = provided;
  lists = [english, chinese_simplified, chinese_traditional].map((data) => {
    const all = data.split(" ").map(fold);
    const words = new Map(all.map((w, i) => [w, i]));
    const single = all.every((w) => [...w].length === 1);
    const prefixes = new Map<string, number>();
    if (!single) all.forEach((w, i) => { if ([...w].length >= 4) prefixes.set([...w].slice(0, 4).join(""), i); });
    return { words, prefixes, single };
  });
  return lists;
}

interface Token { begin: number; end: number; lists: number; index: number[]; numbering: boolean; endsSentence: boolean }

const separators = /[\s\u3000\u00a0,;\uff0c\u3001\uff1b]+/g;

function tokens(text: string): Token[] {
  const out: Token[] = [];
  const ls = wordlists();
  const parts = text.split(separators);
  let at = 0;
  for (const part of parts) {
    const begin = text.indexOf(part, at);
    if (!part) continue;
    at = begin + part.length;
    let word = part;
    let start = begin;
    const numbering = /^[(#]?\d{1,2}[.):]?$/.exec(word);
    if (numbering && /\d/.test(word) && (word.length <= 3 || /[.):]$/.test(word))) {
      out.push({ begin, end: at, lists: 0, index: [], numbering: true, endsSentence: false });
      continue;
    }
    const prefix = /^[(#]?\d{1,2}[.):]/.exec(word);
    if (prefix) { word = word.slice(prefix[0].length); start += prefix[0].length; }
    let endsSentence = false;
    while (/[.!?:"')\]。]$/.test(word)) { if (/[.!?。]$/.test(word)) endsSentence = true; word = word.slice(0, -1); }
    while (/^["'([]/.test(word)) { word = word.slice(1); start += 1; }
    if (!word) continue;
    const folded = fold(word);
    const t: Token = { begin: start, end: start + word.length, lists: 0, index: [], numbering: false, endsSentence };
    ls.forEach((l, bit) => {
      const exact = l.words.get(folded);
      const byPrefix = exact === undefined && !l.single && [...folded].length === 4 ? l.prefixes.get(folded) : undefined;
      const i = exact ?? byPrefix;
      if (i !== undefined) { t.lists |= 1 << bit; t.index[bit] = i; }
    });
    out.push(t);
  }
  return out;
}

interface Run { words: number[]; lists: number; begin: number; end: number }

function runs(ts: Token[]): Run[] {
  const out: Run[] = [];
  let cur: Run = { words: [], lists: 0, begin: 0, end: 0 };
  const close = () => { if (cur.words.length) out.push(cur); cur = { words: [], lists: 0, begin: 0, end: 0 }; };
  ts.forEach((t, i) => {
    if (t.numbering) return;
    if (!t.lists) return close();
    const shared = cur.words.length ? cur.lists & t.lists : t.lists;
    if (!shared) { close(); cur.lists = t.lists; } else cur.lists = shared;
    if (!cur.words.length) cur.begin = t.begin;
    cur.words.push(i);
    cur.end = t.end;
    if (t.endsSentence) close();
  });
  close();
  return out;
}

// ---------------------------------------------------------------- keys

/** SHA-256 (FIPS 180-4), synchronous: the widget checks before sending and has no dependencies. */
export function sha256(data: Uint8Array): Uint8Array {
  const k = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const length = Math.ceil((data.length + 9) / 64) * 64;
  const m = new Uint8Array(length);
  m.set(data);
  m[data.length] = 0x80;
  new DataView(m.buffer).setUint32(length - 4, data.length * 8);
  new DataView(m.buffer).setUint32(length - 8, Math.floor(data.length / 0x20000000));
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = new DataView(m.buffer).getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  const out = new Uint8Array(32);
  h.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v));
  return out;
}

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58check(s: string): Uint8Array | null {
  let bytes: number[] = [];
  for (const ch of s) {
    let carry = alphabet.indexOf(ch);
    if (carry < 0) return null;
    for (let i = bytes.length - 1; i >= 0; i--) { carry += bytes[i] * 58; bytes[i] = carry & 0xff; carry >>= 8; }
    while (carry) { bytes.unshift(carry & 0xff); carry >>= 8; }
  }
  for (const ch of s) { if (ch !== "1") break; bytes = [0, ...bytes]; }
  if (bytes.length < 5) return null;
  const payload = Uint8Array.from(bytes.slice(0, -4));
  const sum = sha256(sha256(payload));
  return bytes.slice(-4).every((b, i) => b === sum[i]) ? payload : null;
}

const extendedPrivate = new Set([0x0488ade4, 0x04358394, 0x049d7878, 0x044a4e28, 0x04b2430c, 0x045f18bc, 0x0295b005,
  0x02aa7a99, 0x02575048, 0x024285b5]);

function privateKeyBase58(s: string): boolean {
  if (s.length === 51 || s.length === 52) {
    const b = base58check(s);
    return !!b && (b[0] === 0x80 || b[0] === 0xef) && (b.length === 33 || (b.length === 34 && b[33] === 0x01));
  }
  if (s.length === 111 && s.slice(1, 4) === "prv") {
    const b = base58check(s);
    return !!b && b.length === 78 && extendedPrivate.has(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0);
  }
  return false;
}

export interface Found { kind: SecretKind; begin: number; end: number }

function findKeys(text: string, out: Found[]): void {
  for (const m of text.matchAll(/[1-9A-HJ-NP-Za-km-z0-9a-fA-Fx]+/g)) {
    let token = m[0];
    let begin = m.index ?? 0;
    if (token.length === 66 && token.startsWith("0x")) { token = token.slice(2); begin += 2; }
    if (/^[0-9a-fA-F]{64}$/.test(token)) {
      const before = text.slice(Math.max(0, (m.index ?? 0) - 48), m.index).toLowerCase();
      if (/private[ -]?key|priv ?key|secret key|私钥|密钥/.test(before)) out.push({ kind: "private_key", begin, end: begin + token.length });
    } else if (privateKeyBase58(token)) {
      out.push({ kind: "private_key", begin, end: begin + token.length });
    }
  }
}

function findByContext(text: string, out: Found[]): void {
  const low = text.toLowerCase();
  for (const m of low.matchAll(/2fa|otp|authenticator|verification code|auth code|sms code|验证码|动态码/g)) {
    const after = low.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 24);
    const code = /(^|[^0-9a-z])(\d{6,8})(?!\d)/.exec(after);
    if (code) {
      const begin = (m.index ?? 0) + m[0].length + code.index + code[1].length;
      out.push({ kind: "code", begin, end: begin + code[2].length });
    }
  }
  for (const m of low.matchAll(/(password|passwd|passcode|密码)[ \t]*(is |:|=|：|是)[ \t]*([^\s，]{4,})/g)) {
    if (m[3].startsWith("[")) continue;
    const begin = (m.index ?? 0) + m[0].length - m[3].length;
    out.push({ kind: "password", begin, end: begin + m[3].length });
  }
}

/** Every secret in the text, in order, not overlapping. */
export function findSecrets(text: string): Found[] {
  const out: Found[] = [];
  for (const r of runs(tokens(text))) if (r.words.length >= phraseWords) out.push({ kind: "seed_phrase", begin: r.begin, end: r.end });
  findKeys(text, out);
  findByContext(text, out);
  out.sort((a, b) => a.begin - b.begin);
  return out.filter((f, i) => i === 0 || f.begin >= out[i - 1].end);
}

/** How many BIP39 words the text starts and ends with, and whether it is nothing else (a phrase sent in parts). */
export function wordRuns(text: string): { leading: number; trailing: number; onlyWords: boolean } {
  const ts = tokens(text).filter((t) => !t.numbering);
  const rs = runs(tokens(text));
  if (!rs.length || !ts.length) return { leading: 0, trailing: 0, onlyWords: false };
  const leading = ts[0].lists && rs[0].begin === ts[0].begin ? rs[0].words.length : 0;
  const last = ts[ts.length - 1];
  const trailing = last.lists && rs[rs.length - 1].end === last.end ? rs[rs.length - 1].words.length : 0;
  return { leading, trailing, onlyWords: rs.length === 1 && leading > 0 && trailing > 0 };
}

/**
 * The sender's side of a phrase sent in parts: remembers how many words the
 * last messages ended with (for a minute) and says what a new message would
 * make of them.
 */
export class SecretGuard {
  private tail = 0;
  private at = 0;
  constructor(private readonly now: () => number = Date.now) {}

  /** The kinds of secret this text holds (with what was sent in the last minute); empty: it may be sent. */
  check(text: string): SecretKind[] {
    const kinds = [...new Set(findSecrets(text).map((f) => f.kind))];
    const runs = wordRuns(text);
    const earlier = this.now() - this.at <= 60_000 ? this.tail : 0;
    if (earlier > 0 && runs.leading > 0 && earlier + runs.leading >= phraseWords && !kinds.includes("seed_phrase")) kinds.unshift("seed_phrase");
    return kinds;
  }

  /** A message went out: its trailing words count for the next one. */
  sent(text: string): void {
    const runs = wordRuns(text);
    const earlier = this.now() - this.at <= 60_000 ? this.tail : 0;
    this.tail = runs.onlyWords ? earlier + runs.leading : runs.trailing;
    this.at = this.now();
  }
}

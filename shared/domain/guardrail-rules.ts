/**
 * Guardrail rules shared by the core and the renderer: the policy shape and its defaults, the PII
 * detectors (with Luhn and IBAN mod-97 checks), the static regex-safety check, and the offline
 * "test box" evaluation. Pure: no I/O, no zod. Custom patterns are run by the caller (the core
 * runs them in a worker thread with a time limit) and handed in as matches.
 */

export const GUARDRAIL_DIRECTIONS = [
  { id: 'input', label: 'Input (prompts)' },
  { id: 'output', label: 'Output (answers)' },
  { id: 'both', label: 'Both' },
] as const;
export type GuardrailDirection = (typeof GUARDRAIL_DIRECTIONS)[number]['id'];

export const PII_TYPES = [
  { id: 'email', label: 'Email address' },
  { id: 'phone', label: 'Phone number' },
  { id: 'credit_card', label: 'Credit card number (Luhn)' },
  { id: 'iban', label: 'IBAN (mod-97)' },
  { id: 'ipv4', label: 'IPv4 address' },
  { id: 'ipv6', label: 'IPv6 address' },
] as const;
export type PiiType = (typeof PII_TYPES)[number]['id'];

export const PII_ACTIONS = [
  { id: 'off', label: 'Off' },
  { id: 'log', label: 'Log only' },
  { id: 'redact', label: 'Redact' },
  { id: 'block', label: 'Block' },
] as const;
export type PiiAction = (typeof PII_ACTIONS)[number]['id'];
export type ListAction = Exclude<PiiAction, 'off'>;

export const MAX_TERMS = 200;
export const MAX_PATTERNS = 50;
export const TERM_MAX = 200;
export const PATTERN_MAX = 500;
export const MAX_TOKENS_LIMIT = 10_000_000;
/** What the test box accepts (characters). */
export const TEST_TEXT_MAX = 100_000;

export interface GuardrailPattern {
  name: string;
  pattern: string;
  /** Case-insensitive. */
  ignoreCase: boolean;
}

export interface GuardrailPolicy {
  pii: { direction: GuardrailDirection; actions: Record<PiiType, PiiAction> };
  blockedTerms: { direction: GuardrailDirection; action: ListAction; terms: string[] };
  blockedPatterns: { direction: GuardrailDirection; action: ListAction; patterns: GuardrailPattern[] };
  /** Estimated tokens (≈ 4 characters each offline; the gateway counts exactly). Null = no limit. */
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  /** Enforced by the gateway (a moderation model); the test box only says it would run. */
  moderation: { enabled: boolean; direction: GuardrailDirection };
  /** Enforced by the gateway on input; the test box only says it would run. */
  promptInjection: { enabled: boolean };
}

export const DEFAULT_GUARDRAIL_POLICY: GuardrailPolicy = {
  pii: { direction: 'both', actions: { email: 'off', phone: 'off', credit_card: 'off', iban: 'off', ipv4: 'off', ipv6: 'off' } },
  blockedTerms: { direction: 'input', action: 'block', terms: [] },
  blockedPatterns: { direction: 'input', action: 'block', patterns: [] },
  maxInputTokens: null,
  maxOutputTokens: null,
  moderation: { enabled: false, direction: 'both' },
  promptInjection: { enabled: false },
};

// ---- Checks -----------------------------------------------------------------------------------

/** Luhn (mod 10) over the digits of `value`. */
export function luhnValid(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN lengths per country (ISO 13616 registry, the common ones); an unlisted country is checked by mod-97 only. */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GR: 27, HR: 21,
  HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24,
  SI: 19, SK: 24, SM: 27, TR: 26, UA: 29,
};

/** ISO 13616 check: country letters, two check digits, mod 97 of the rearranged number = 1. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && expected !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : ch;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

function ipv6Valid(text: string): boolean {
  const parts = text.split('::');
  if (parts.length > 2) return false;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(parts[0]!);
  const tail = parts.length === 2 ? groups(parts[1]!) : [];
  const all = [...head, ...tail];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return parts.length === 2 ? all.length <= 7 : all.length === 8;
}

/**
 * The built-in detectors. Each regex is linear (no nested or overlapping quantifiers) and the
 * candidates are confirmed by a check (Luhn, mod-97, octet range, IPv6 grammar).
 */
const DETECTORS: Record<PiiType, { regex: RegExp; confirm?: (match: string) => boolean }> = {
  email: { regex: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g },
  // + country code optional, then 7–15 digits with single separators; confirmed by its digit count.
  phone: {
    regex: /(?<![\w+])\+?\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])/g,
    confirm: (m) => {
      const n = m.replace(/\D/g, '').length;
      return n >= 7 && n <= 15 && !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(m); // an IPv4 address is not a phone number
    },
  },
  credit_card: { regex: /(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)/g, confirm: luhnValid },
  iban: { regex: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, confirm: ibanValid },
  ipv4: { regex: /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g, confirm: (m) => m.split('.').every((o) => Number(o) <= 255 && !(o.length > 1 && o.startsWith('0'))) },
  ipv6: { regex: /(?<![:\w])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![:\w])/g, confirm: ipv6Valid },
};

export interface TextMatch {
  start: number;
  end: number;
}

/** Every confirmed match of one PII type, in order, without overlaps. */
export function detectPii(type: PiiType, text: string): TextMatch[] {
  const { regex, confirm } = DETECTORS[type];
  const out: TextMatch[] = [];
  for (const m of text.matchAll(new RegExp(regex.source, regex.flags))) {
    if (confirm && !confirm(m[0])) continue;
    out.push({ start: m.index, end: m.index + m[0].length });
  }
  return out;
}

// ---- Regex safety (static) ----------------------------------------------------------------------

export interface PatternProblem {
  message: string;
}

/**
 * A static check for catastrophic backtracking, before a pattern is run at all: refuses
 * backreferences and lookbehind-free constructs that make matching super-linear in a
 * backtracking engine — a quantified group that contains a quantifier (star height > 1, e.g.
 * `(a+)+`, `(\w*\s?)*`), a quantified alternation whose branches can start with the same
 * character or be empty (`(a|ab)*`, `(x|)+`), and two adjacent unbounded quantifiers over
 * overlapping characters (`\d+\d*`, `.*.*`). It is conservative: it refuses some safe patterns
 * (rewrite them without nesting), and the dynamic check (an adversarial corpus under a time
 * limit) backs it up.
 */
export function patternSafetyProblems(pattern: string, ignoreCase = false): PatternProblem[] {
  const problems: PatternProblem[] = [];
  try {
    new RegExp(pattern, ignoreCase ? 'iu' : 'u');
  } catch (error) {
    return [{ message: `Not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` }];
  }
  if (/\\[1-9]|\\k</.test(pattern)) problems.push({ message: 'Backreferences are not allowed (they can take exponential time)' });

  // Tokenise into atoms with their quantifiers, tracking groups.
  interface Group {
    start: number;
    hasQuantifier: boolean;
    branches: string[];
    current: string;
  }
  const stack: Group[] = [{ start: 0, hasQuantifier: false, branches: [], current: '' }];
  let previous: { chars: string; unbounded: boolean } | null = null;
  const unboundedAt = (i: number) => {
    const q = pattern[i];
    if (q === '*' || q === '+') return { len: 1 + (pattern[i + 1] === '?' ? 1 : 0), unbounded: true, quantified: true, repeats: true };
    if (q === '?') return { len: 1 + (pattern[i + 1] === '?' ? 1 : 0), unbounded: false, quantified: true, repeats: false };
    if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(i));
      if (m) {
        const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        return { len: m[0].length, unbounded: max === Infinity, quantified: max > 1 || m[2] !== undefined, repeats: max > 1 };
      }
    }
    return { len: 0, unbounded: false, quantified: false, repeats: false };
  };
  /** A crude character signature of an atom: what it can match (for the overlap test). */
  const signature = (atom: string): string => {
    if (atom === '.' || atom === '\\S' || atom === '\\W' || atom === '\\D' || atom.startsWith('[^')) return '*';
    if (atom === '\\d') return 'd';
    if (atom === '\\w') return 'w';
    if (atom === '\\s') return 's';
    if (atom.startsWith('[')) return `[${atom}`;
    return atom.replace(/^\\/, '');
  };
  const CLASSES: Record<string, (c: string) => boolean> = { d: (c) => /\d/.test(c), w: (c) => /\w/.test(c), s: (c) => /\s/.test(c) };
  const overlaps = (a: string, b: string): boolean => {
    if (a === '*' || b === '*' || a.startsWith('[') || b.startsWith('[')) return true; // any char, or a class: assume it may overlap
    const fold = (c: string) => (ignoreCase ? c.toLowerCase() : c);
    const isClass = (x: string) => x === 'd' || x === 'w' || x === 's';
    if (isClass(a) && isClass(b)) return a === b || (a === 'w' && b === 'd') || (a === 'd' && b === 'w');
    if (isClass(a)) return CLASSES[a]!(b);
    if (isClass(b)) return CLASSES[b]!(a);
    return fold(a) === fold(b);
  };
  let i = 0;
  let nested = false;
  let ambiguous = false;
  let adjacent = false;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    let atom: string;
    if (ch === '\\') {
      atom = pattern.slice(i, i + 2);
      i += 2;
    } else if (ch === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j += 1;
      if (pattern[j] === ']') j += 1;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      atom = pattern.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '(') {
      const lookaround = /^\(\?(?:[=!]|<[=!])/.test(pattern.slice(i));
      const prefix = /^\(\?(?::|[=!]|<[=!]|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(pattern.slice(i))?.[0] ?? '(';
      stack.push({ start: i, hasQuantifier: false, branches: [], current: lookaround ? '\u0000' : '' });
      i += prefix.length;
      previous = null;
      continue;
    } else if (ch === '|') {
      const g = stack.at(-1)!;
      g.branches.push(g.current);
      g.current = '';
      i += 1;
      previous = null;
      continue;
    } else if (ch === ')') {
      const g = stack.pop()!;
      g.branches.push(g.current);
      i += 1;
      const q = unboundedAt(i);
      const parent = stack.at(-1)!;
      if (q.quantified) {
        if (g.hasQuantifier && q.repeats) nested = true;
        if (q.repeats && g.branches.length > 1) {
          const firsts = g.branches.map((b) => b.split('\u0001')[0] ?? '');
          if (firsts.some((f) => f === '') || firsts.some((f, k) => firsts.some((o, l) => l !== k && overlaps(signature(f), signature(o))))) ambiguous = true;
        }
        parent.hasQuantifier = true;
        i += q.len;
      }
      if (g.hasQuantifier) parent.hasQuantifier = true;
      parent.current += `${parent.current ? '\u0001' : ''}(`;
      previous = q.unbounded ? { chars: '*', unbounded: true } : null;
      continue;
    } else {
      atom = ch;
      i += 1;
    }
    const q = unboundedAt(i);
    i += q.len;
    const g = stack.at(-1)!;
    g.current += `${g.current ? '\u0001' : ''}${atom}`;
    if (q.quantified) g.hasQuantifier = true;
    if (q.unbounded) {
      const sig = signature(atom);
      if (previous?.unbounded && overlaps(previous.chars, sig)) adjacent = true;
      previous = { chars: sig, unbounded: true };
    } else if (!['^', '$'].includes(atom)) previous = null;
  }
  if (nested) problems.push({ message: 'A repeated group contains another repetition (e.g. (a+)+): this can take exponential time' });
  if (ambiguous) problems.push({ message: 'A repeated alternation has branches that can match the same text (e.g. (a|ab)*): this can take exponential time' });
  if (adjacent) problems.push({ message: 'Two unbounded repetitions over the same characters follow each other (e.g. \\d+\\d*): this can take polynomial time' });
  return problems;
}

/**
 * Inputs that make vulnerable patterns backtrack: long runs of one character with a spoiler at the
 * end, alternations of a few characters, whitespace runs. The core runs every new pattern over
 * these in a worker with a time limit.
 */
export function adversarialCorpus(size = 5_000): string[] {
  const run = (s: string) => s.repeat(Math.ceil(size / s.length)).slice(0, size);
  return [
    `${run('a')}!`,
    `${run('1')}x`,
    `${run(' ')}x`,
    `${run('ab')}!`,
    `${run('a.')}!`,
    `${run('-')}@`,
    `${run('aA1 ')}\u0000`,
    `${run('x@')}`,
    `${'('.repeat(50)}${run('a')}`,
  ];
}

// ---- Evaluation (the test box) ---------------------------------------------------------------

export interface GuardrailFinding {
  /** `pii.email`, `terms`, `patterns.<name>`, `max_input_tokens`, … */
  rule: string;
  label: string;
  action: PiiAction | 'gateway';
  /** The matched text, masked (first and last character kept) so the result can be shown safely. */
  excerpt: string | null;
  start: number | null;
  end: number | null;
}

export interface GuardrailEvaluation {
  direction: 'input' | 'output';
  verdict: 'allow' | 'redact' | 'block';
  /** The text with every `redact` match replaced by `[REDACTED:<type>]`. */
  redactedText: string;
  findings: GuardrailFinding[];
  estimatedTokens: number;
  /** Checks only the gateway runs (moderation, prompt injection): they would run, not simulated here. */
  gatewayChecks: string[];
  /** Patterns that did not finish in time (each counts as not matching, and is named). */
  timedOut: string[];
}

export const estimateTokens = (text: string) => Math.ceil(text.length / 4);
const applies = (d: GuardrailDirection, direction: 'input' | 'output') => d === 'both' || d === direction;
export const maskExcerpt = (s: string) => (s.length <= 2 ? '*'.repeat(s.length) : `${s[0]}${'*'.repeat(Math.min(s.length - 2, 20))}${s.at(-1)}`);

export function termMatches(terms: readonly string[], text: string): Array<TextMatch & { term: string }> {
  const lower = text.toLowerCase();
  const out: Array<TextMatch & { term: string }> = [];
  for (const term of terms) {
    const t = term.toLowerCase();
    if (!t) continue;
    for (let at = lower.indexOf(t); at >= 0; at = lower.indexOf(t, at + t.length)) out.push({ start: at, end: at + t.length, term });
  }
  return out;
}

/**
 * What the local policy would do with `text` in one direction. `patternMatches` are the matches of
 * each custom pattern by name (run by the caller under a time limit); `timedOut` names those that
 * did not finish.
 */
export function evaluateGuardrails(
  policy: GuardrailPolicy,
  text: string,
  direction: 'input' | 'output',
  patternMatches: ReadonlyMap<string, readonly TextMatch[]>,
  timedOut: readonly string[] = [],
): GuardrailEvaluation {
  const findings: GuardrailFinding[] = [];
  const redactions: Array<TextMatch & { tag: string }> = [];
  const add = (rule: string, label: string, action: PiiAction, m: TextMatch, tag: string) => {
    findings.push({ rule, label, action, excerpt: maskExcerpt(text.slice(m.start, m.end)), start: m.start, end: m.end });
    if (action === 'redact') redactions.push({ ...m, tag });
  };
  if (applies(policy.pii.direction, direction)) {
    for (const { id, label } of PII_TYPES) {
      const action = policy.pii.actions[id];
      if (action === 'off') continue;
      for (const m of detectPii(id, text)) add(`pii.${id}`, label, action, m, id.toUpperCase());
    }
  }
  if (applies(policy.blockedTerms.direction, direction)) {
    for (const m of termMatches(policy.blockedTerms.terms, text)) add('terms', `Blocked term “${m.term}”`, policy.blockedTerms.action, m, 'TERM');
  }
  if (applies(policy.blockedPatterns.direction, direction)) {
    for (const p of policy.blockedPatterns.patterns) {
      for (const m of patternMatches.get(p.name) ?? []) add(`patterns.${p.name}`, `Pattern “${p.name}”`, policy.blockedPatterns.action, m, 'PATTERN');
    }
  }
  const estimatedTokens = estimateTokens(text);
  const limit = direction === 'input' ? policy.maxInputTokens : policy.maxOutputTokens;
  if (limit !== null && estimatedTokens > limit) {
    findings.push({ rule: direction === 'input' ? 'max_input_tokens' : 'max_output_tokens', label: `About ${estimatedTokens.toLocaleString('en-US')} tokens, over the limit of ${limit.toLocaleString('en-US')}`, action: 'block', excerpt: null, start: null, end: null });
  }
  const gatewayChecks: string[] = [];
  if (policy.moderation.enabled && applies(policy.moderation.direction, direction)) gatewayChecks.push('Moderation (run by the gateway)');
  if (policy.promptInjection.enabled && direction === 'input') gatewayChecks.push('Prompt-injection check (run by the gateway)');

  // Redact from the end, merging overlaps, so earlier offsets stay valid.
  const merged = [...redactions].sort((a, b) => a.start - b.start || b.end - a.end).reduce<Array<TextMatch & { tag: string }>>((acc, r) => {
    const last = acc.at(-1);
    if (last && r.start < last.end) last.end = Math.max(last.end, r.end);
    else acc.push({ ...r });
    return acc;
  }, []);
  let redactedText = text;
  for (const r of merged.reverse()) redactedText = `${redactedText.slice(0, r.start)}[REDACTED:${r.tag}]${redactedText.slice(r.end)}`;
  const verdict = findings.some((f) => f.action === 'block') ? 'block' : merged.length > 0 ? 'redact' : 'allow';
  findings.sort((a, b) => (a.start ?? Number.MAX_SAFE_INTEGER) - (b.start ?? Number.MAX_SAFE_INTEGER));
  return { direction, verdict, redactedText, findings, estimatedTokens, gatewayChecks, timedOut: [...timedOut] };
}

/** Field issues of a policy beyond its shape (duplicate pattern names, unsafe patterns), `policy.…` paths. */
export function validatePolicy(policy: GuardrailPolicy): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const names = new Set<string>();
  policy.blockedPatterns.patterns.forEach((p, i) => {
    if (names.has(p.name)) issues.push({ path: `policy.blockedPatterns.patterns.${i}.name`, message: `Pattern name ${p.name} is used twice` });
    names.add(p.name);
    for (const problem of patternSafetyProblems(p.pattern, p.ignoreCase)) issues.push({ path: `policy.blockedPatterns.patterns.${i}.pattern`, message: problem.message });
  });
  const terms = new Set<string>();
  policy.blockedTerms.terms.forEach((t, i) => {
    const key = t.trim().toLowerCase();
    if (key === '') issues.push({ path: `policy.blockedTerms.terms.${i}`, message: 'A term cannot be empty' });
    else if (terms.has(key)) issues.push({ path: `policy.blockedTerms.terms.${i}`, message: `Term “${t}” is listed twice` });
    terms.add(key);
  });
  return issues;
}

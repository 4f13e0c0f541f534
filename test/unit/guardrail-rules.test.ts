import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adversarialCorpus,
  DEFAULT_GUARDRAIL_POLICY,
  detectPii,
  evaluateGuardrails,
  ibanValid,
  luhnValid,
  patternSafetyProblems,
  validatePolicy,
  type GuardrailPolicy,
} from '../../shared/domain/guardrail-rules';
import { createPatternRunner } from '../../electron/core/services/guardrail-pattern-runner';

const luhnCheckDigit = (body: string) => {
  for (let d = 0; d <= 9; d += 1) if (luhnValid(`${body}${d}`)) return d;
  throw new Error('no check digit');
};
/** ISO 13616 check digits for a country + BBAN, computed independently with BigInt. */
const ibanOf = (country: string, bban: string) => {
  const numeric = [...`${bban}${country}00`].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
  const check = 98n - (BigInt(numeric) % 97n);
  return `${country}${String(check).padStart(2, '0')}${bban}`;
};

describe('Luhn and IBAN', () => {
  it('known numbers', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('5500-0000-0000-0004')).toBe(true);
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 0')).toBe(false); // wrong length for DE
  });

  it('property: a Luhn-valid number stays valid with separators and any single-digit change breaks it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11,18}$/), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const number = `${body}${luhnCheckDigit(body)}`;
        expect(luhnValid(number)).toBe(true);
        expect(luhnValid(number.replace(/(\d{4})/g, '$1 ').trim())).toBe(true);
        const i = at % number.length;
        const changed = `${number.slice(0, i)}${(Number(number[i]) + delta) % 10}${number.slice(i + 1)}`;
        expect(luhnValid(changed)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: IBANs built with BigInt mod-97 are valid; a changed digit is caught', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9]{12,26}$/), fc.nat(), (bban, at) => {
        const iban = ibanOf('XK', bban); // not in the length table: mod-97 alone decides
        expect(ibanValid(iban)).toBe(true);
        // A changed digit is always caught (97 is prime and divides no d × 10^k with 0 < |d| < 10).
        const digits = [...iban].map((c, k) => (k >= 2 && /\d/.test(c) ? k : -1)).filter((k) => k >= 0);
        const i = digits[at % digits.length]!;
        const other = iban[i] === '7' ? '8' : '7';
        expect(ibanValid(`${iban.slice(0, i)}${other}${iban.slice(i + 1)}`)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('PII detection and the test box', () => {
  const all = (action: 'redact' | 'block' | 'log'): GuardrailPolicy => ({
    ...DEFAULT_GUARDRAIL_POLICY,
    pii: { direction: 'both', actions: { email: action, phone: action, credit_card: action, iban: action, ipv4: action, ipv6: action } },
  });
  const text = 'Mail ana@example.com or call +49 30 1234567; card 4111-1111-1111-1111, not 4111-1111-1111-1112; IBAN DE89 3704 0044 0532 0130 00; hosts 192.168.1.20, 2001:db8::1, not 999.1.1.1';

  it('finds each type (checksums confirmed) and redacts them', () => {
    const found = (t: Parameters<typeof detectPii>[0]) => detectPii(t, text).map((m) => text.slice(m.start, m.end));
    expect(found('email')).toEqual(['ana@example.com']);
    expect(found('phone')).toEqual(['+49 30 1234567']);
    expect(found('credit_card')).toEqual(['4111-1111-1111-1111']);
    expect(found('iban')).toEqual(['DE89 3704 0044 0532 0130 00']);
    expect(found('ipv4')).toEqual(['192.168.1.20']);
    expect(found('ipv6')).toEqual(['2001:db8::1']);
    const result = evaluateGuardrails(all('redact'), text, 'input', new Map());
    expect(result.verdict).toBe('redact');
    expect(result.redactedText).toBe(
      'Mail [REDACTED:EMAIL] or call [REDACTED:PHONE]; card [REDACTED:CREDIT_CARD], not 4111-1111-1111-1112; IBAN [REDACTED:IBAN]; hosts [REDACTED:IPV4], [REDACTED:IPV6], not 999.1.1.1',
    );
    expect(result.findings.map((f) => f.rule)).toEqual(['pii.email', 'pii.phone', 'pii.credit_card', 'pii.iban', 'pii.ipv4', 'pii.ipv6']);
    expect(result.findings[0]!.excerpt).toBe('a*************m'); // the test box never echoes the value
  });

  it('block wins, log only reports; direction, terms, token limits and gateway-only checks', () => {
    expect(evaluateGuardrails(all('block'), text, 'input', new Map()).verdict).toBe('block');
    const logged = evaluateGuardrails(all('log'), text, 'input', new Map());
    expect(logged).toMatchObject({ verdict: 'allow', redactedText: text });
    expect(logged.findings).toHaveLength(6);
    const policy: GuardrailPolicy = {
      ...DEFAULT_GUARDRAIL_POLICY,
      blockedTerms: { direction: 'output', action: 'redact', terms: ['Project Falcon'] },
      maxInputTokens: 5,
      moderation: { enabled: true, direction: 'input' },
      promptInjection: { enabled: true },
    };
    const input = evaluateGuardrails(policy, 'status of project falcon please', 'input', new Map());
    expect(input.findings.map((f) => f.rule)).toEqual(['max_input_tokens']);
    expect(input.gatewayChecks).toEqual(['Moderation (run by the gateway)', 'Prompt-injection check (run by the gateway)']);
    const output = evaluateGuardrails(policy, 'status of project falcon please', 'output', new Map());
    expect(output.redactedText).toBe('status of [REDACTED:TERM] please');
    expect(output.gatewayChecks).toEqual([]);
  });
});

/** Known ReDoS shapes (OWASP, the regexes of published CVEs) and safe patterns. */
const REDOS = ['(a+)+$', '(a*)*b', '(\\w+\\s?)*$', '(a|a)*$', '(a|ab)*c', '(x|)+y', '\\d+\\d+$', '.*.*=.*', '(.*a){12}', '^(([a-z])+.)+[A-Z]([a-z])+$', '(a|b|ab)*$', '([a-zA-Z]+)*$', '(?:a+)+', '^(\\w+\\.?)*@', '(\\1)'];
const SAFE = ['secret-\\d{4}', 'password', '^sk-[A-Za-z0-9]{20,}$', 'ACME-[0-9]+', '\\bproject\\s+falcon\\b', '(foo|bar)baz', '\\b[a-z]+@corp\\.com', '(ab|cd)+', 'x\\d+y\\d+'];

describe('regex safety', () => {
  it.each(REDOS)('static check refuses %s', (pattern) => {
    expect(patternSafetyProblems(pattern).length).toBeGreaterThan(0);
  });
  it.each(SAFE)('static check accepts %s', (pattern) => {
    expect(patternSafetyProblems(pattern)).toEqual([]);
  });

  it('a super-linear pattern the static check misses is cut off by the worker time limit; safe ones finish', async () => {
    const slipsThrough = '(?:a|b)*a(?:a|b)*a(?:a|b)*$';
    expect(patternSafetyProblems(slipsThrough)).toEqual([]);
    const run = await createPatternRunner().run(
      [
        { name: 'slow', pattern: slipsThrough, ignoreCase: false },
        ...SAFE.map((pattern, i) => ({ name: `safe${i}`, pattern, ignoreCase: true })),
      ],
      adversarialCorpus(),
      400,
    );
    expect(run.timedOut).toEqual(['slow']);
    expect([...run.matches.keys()].sort()).toEqual(SAFE.map((_p, i) => `safe${i}`).sort());
  });

  it('validatePolicy names duplicate pattern names, unsafe patterns and repeated terms by path', () => {
    const policy: GuardrailPolicy = {
      ...DEFAULT_GUARDRAIL_POLICY,
      blockedTerms: { direction: 'input', action: 'block', terms: ['Falcon', 'falcon '] },
      blockedPatterns: { direction: 'input', action: 'block', patterns: [{ name: 'x', pattern: '(a+)+', ignoreCase: false }, { name: 'x', pattern: 'b', ignoreCase: false }] },
    };
    expect(validatePolicy(policy).map((i) => i.path)).toEqual(['policy.blockedPatterns.patterns.0.pattern', 'policy.blockedPatterns.patterns.1.name', 'policy.blockedTerms.terms.1']);
  });
});

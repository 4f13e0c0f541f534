import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARDRAIL_POLICY } from '../../shared/domain/guardrail-rules';
import { useCliDataDir } from './cli-harness';

const cli = useCliDataDir('gatehouse-cli-guardrails-');
const gh = cli.gh;
const file = (name: string, content: string) => {
  const p = path.join(cli.dataDir(), name);
  fs.writeFileSync(p, content);
  return p;
};

describe('gatehouse guardrails', () => {
  it('save a workspace policy from a file, show it, run the test box (exit 3 when blocked), export, inherit again', async () => {
    const ws = (JSON.parse((await gh('workspaces', 'create', '--name', 'Support', '--json')).out) as { id: string }).id;
    expect((await gh('guardrails', 'show', '--workspace', ws)).out.split('\n')[0]).toBe('Inherits the org defaults');
    const policy = {
      ...DEFAULT_GUARDRAIL_POLICY,
      pii: { direction: 'input', actions: { ...DEFAULT_GUARDRAIL_POLICY.pii.actions, email: 'redact', credit_card: 'block' } },
      blockedPatterns: { direction: 'input', action: 'redact', patterns: [{ name: 'ticket', pattern: 'TCK-\\d{5}', ignoreCase: true }] },
    };
    expect(await gh('guardrails', 'save', '--workspace', ws, '--file', file('policy.json', JSON.stringify(policy)))).toMatchObject({ code: 0, out: 'Saved guardrails (version 1)' });
    expect((await gh('guardrails', 'show', '--workspace', ws)).out).toContain('PII (input): email redact, phone off, credit_card block');

    const redacted = await gh('guardrails', 'test', '--workspace', ws, '--file', file('prompt.txt', 'write to ana@example.com about tck-12345'));
    expect(redacted.code).toBe(0);
    expect(redacted.out).toContain('input: REDACT');
    expect(redacted.out).toContain('redacted: write to [REDACTED:EMAIL] about [REDACTED:PATTERN]');
    const blocked = await gh('guardrails', 'test', '--workspace', ws, '--file', file('card.txt', 'my card is 4111 1111 1111 1111'));
    expect(blocked.code).toBe(3);
    expect(blocked.out).toContain('pii.credit_card (block)');
    expect(blocked.out).not.toContain('4111 1111 1111 1111'); // findings are masked

    const exported = JSON.parse((await gh('guardrails', 'export', '--workspace', ws)).out) as { format: string; policy: unknown };
    expect(exported).toMatchObject({ format: 'gatehouse-guardrails/1', policy });
    expect((await gh('guardrails', 'save', '--workspace', ws, '--file', file('export.json', JSON.stringify(exported)))).out).toBe('Saved guardrails (version 1)');
    expect((await gh('guardrails', 'inherit', '--workspace', ws)).out).toBe(`Workspace ${ws} uses the org defaults (version 2)`);
  });

  it('an unsafe pattern is refused with its field; bad usage exits 2', async () => {
    const bad = { ...DEFAULT_GUARDRAIL_POLICY, blockedPatterns: { direction: 'input', action: 'block', patterns: [{ name: 'evil', pattern: '(a+)+$', ignoreCase: false }] } };
    const r = await gh('guardrails', 'save', '--file', file('bad.json', JSON.stringify(bad)));
    expect(r.code).toBe(1);
    expect(r.err).toContain('policy.blockedPatterns.patterns.0.pattern: A repeated group contains another repetition');
    expect((await gh('guardrails', 'show')).out.split('\n')[0]).toBe('Org defaults');
    expect((await gh('guardrails', 'inherit')).code).toBe(2);
    expect((await gh('guardrails', 'test', '--file', file('x.txt', 'x'), '--direction', 'sideways')).code).toBe(2);
    expect((await gh('guardrails', 'frobnicate')).code).toBe(2);
  });
});

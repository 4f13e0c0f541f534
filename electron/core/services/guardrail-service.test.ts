import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../shared/contract';
import type { ErrorPayload, Result } from '../../../shared/contract/errors';
import { DEFAULT_GUARDRAIL_POLICY, type GuardrailPolicy } from '../../../shared/domain/guardrail-rules';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
let ws: string;
beforeEach(() => {
  core = openTestCore({ now: () => new Date('2026-06-01T12:00:00.000Z') });
  ws = core.ok('workspaces:create', { name: 'Support' }).id;
});
afterEach(() => core.dispose());

const call = <C extends ChannelName>(channel: C, input: ChannelInput<C>) => core.dispatcher.dispatchAsync(channel, input, { kind: 'cli' }) as Promise<Result<ChannelOutput<C>>>;
const ok = async <C extends ChannelName>(channel: C, input: ChannelInput<C>) => {
  const r = await call(channel, input);
  if (!r.ok) throw new Error(`${channel} failed: ${JSON.stringify(r.error)}`);
  return r.data;
};
const fails = async <C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ErrorPayload> => {
  const r = await call(channel, input);
  if (r.ok) throw new Error(`${channel} succeeded`);
  return r.error;
};
const policy = (patch: Partial<GuardrailPolicy> = {}): GuardrailPolicy => ({ ...structuredClone(DEFAULT_GUARDRAIL_POLICY), ...patch });
const logOf = () =>
  core.db.prepare("SELECT a.action, a.entity_type AS entityType, a.entity_id AS entityId FROM audit_log a WHERE a.entity_type IN ('guardrail_defaults', 'workspace_guardrails') ORDER BY a.id").all();
const changesOf = () => core.db.prepare("SELECT entity_type AS entityType, entity_id AS entityId, op FROM change_log WHERE entity_type IN ('guardrail_defaults', 'workspace_guardrails') ORDER BY seq").all();

describe('guardrails', () => {
  it('org defaults, a workspace that inherits them, then its own policy: each save one transaction with audit + change log', async () => {
    const fresh = await ok('guardrails:get', { workspaceId: ws });
    expect(fresh).toMatchObject({ scope: 'workspace', inherits: true, policy: null, version: 0, effective: DEFAULT_GUARDRAIL_POLICY });

    const orgPolicy = policy({ pii: { direction: 'both', actions: { ...DEFAULT_GUARDRAIL_POLICY.pii.actions, email: 'redact' } } });
    const org = await ok('guardrails:save', { policy: orgPolicy });
    expect(org).toMatchObject({ scope: 'org', version: 1, policy: orgPolicy });
    expect((await ok('guardrails:get', { workspaceId: ws })).effective).toEqual(orgPolicy); // inherited

    const own = policy({ blockedTerms: { direction: 'input', action: 'block', terms: ['Project Falcon'] }, maxInputTokens: 8000 });
    const saved = await ok('guardrails:save', { workspaceId: ws, expectedVersion: 0, policy: own });
    expect(saved).toMatchObject({ inherits: false, policy: own, effective: own, version: 1 });
    // Saving the same again writes nothing; a stale version is a conflict.
    expect((await ok('guardrails:save', { workspaceId: ws, policy: own })).version).toBe(1);
    expect(await fails('guardrails:save', { workspaceId: ws, expectedVersion: 0, policy: own })).toMatchObject({ code: 'E_CONFLICT' });
    const back = await ok('guardrails:save', { workspaceId: ws, inherits: true });
    expect(back).toMatchObject({ inherits: true, policy: null, effective: orgPolicy, version: 2 });

    expect(logOf()).toEqual([
      { action: 'guardrail_defaults.save', entityType: 'guardrail_defaults', entityId: 'org' },
      { action: 'guardrails.save', entityType: 'workspace_guardrails', entityId: ws },
      { action: 'guardrails.save', entityType: 'workspace_guardrails', entityId: ws },
    ]);
    expect(changesOf()).toEqual([
      { entityType: 'guardrail_defaults', entityId: 'org', op: 'create' },
      { entityType: 'workspace_guardrails', entityId: ws, op: 'create' },
      { entityType: 'workspace_guardrails', entityId: ws, op: 'update' },
    ]);
    expect(await fails('guardrails:save', { inherits: true })).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'inherits' }] });
  });

  it('refuses unsafe patterns — statically, and by the adversarial corpus under a time limit — leaving the store as it was', async () => {
    const before = dumpTables(core);
    const nested = await fails('guardrails:save', {
      workspaceId: ws,
      policy: policy({ blockedPatterns: { direction: 'input', action: 'block', patterns: [{ name: 'nested', pattern: '(a+)+$', ignoreCase: false }] } }),
    });
    expect(nested).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'policy.blockedPatterns.patterns.0.pattern', message: expect.stringMatching(/exponential/) }] });
    const slow = await fails('guardrails:save', {
      workspaceId: ws,
      policy: policy({
        blockedPatterns: {
          direction: 'input',
          action: 'block',
          patterns: [
            { name: 'api-key', pattern: 'sk-[A-Za-z0-9]{20}', ignoreCase: false },
            { name: 'cubic', pattern: '(?:a|b)*a(?:a|b)*a(?:a|b)*$', ignoreCase: false },
          ],
        },
      }),
    });
    expect(slow).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'policy.blockedPatterns.patterns.1.pattern', message: expect.stringMatching(/took longer than 500 ms/) }] });
    expect(dumpTables(core)).toEqual(before);
  });

  it('the test box: redacted text and which rule matched, per direction; patterns run in the worker; nothing is written', async () => {
    await ok('guardrails:save', {
      workspaceId: ws,
      policy: policy({
        pii: { direction: 'input', actions: { ...DEFAULT_GUARDRAIL_POLICY.pii.actions, email: 'redact', credit_card: 'block' } },
        blockedPatterns: { direction: 'both', action: 'redact', patterns: [{ name: 'ticket', pattern: 'TCK-\\d{5}', ignoreCase: true }] },
      }),
    });
    const before = dumpTables(core);
    const result = await ok('guardrails:test', { workspaceId: ws, text: 'ana@example.com about tck-12345', direction: 'both' });
    expect(result.evaluations.map((e) => [e.direction, e.verdict, e.redactedText])).toEqual([
      ['input', 'redact', '[REDACTED:EMAIL] about [REDACTED:PATTERN]'],
      ['output', 'redact', 'ana@example.com about [REDACTED:PATTERN]'],
    ]);
    expect(result.evaluations[0]!.findings.map((f) => f.rule)).toEqual(['pii.email', 'patterns.ticket']);
    const card = await ok('guardrails:test', { workspaceId: ws, text: 'card 4111 1111 1111 1111' });
    expect(card.evaluations[0]).toMatchObject({ verdict: 'block', findings: [{ rule: 'pii.credit_card', action: 'block', excerpt: '4*****************1' }] });
    // A draft with a slow pattern: it is cut off and named, the rest still evaluates.
    const draft = await ok('guardrails:test', {
      workspaceId: ws,
      text: `${'a'.repeat(3000)}!`,
      policy: policy({ blockedPatterns: { direction: 'input', action: 'block', patterns: [{ name: 'cubic', pattern: '(?:a|b)*a(?:a|b)*a(?:a|b)*$', ignoreCase: false }] } }),
    });
    expect(draft.evaluations[0]).toMatchObject({ verdict: 'allow', timedOut: ['cubic'] });
    expect(dumpTables(core)).toEqual(before);
  });

  it('exports the configuration as JSON', async () => {
    await ok('guardrails:save', { workspaceId: ws, policy: policy({ maxOutputTokens: 2000 }) });
    expect(await ok('guardrails:export', { workspaceId: ws })).toMatchObject({
      format: 'gatehouse-guardrails/1',
      scope: 'workspace',
      workspaceName: 'Support',
      inherits: false,
      version: 1,
      policy: { maxOutputTokens: 2000 },
    });
  });
});

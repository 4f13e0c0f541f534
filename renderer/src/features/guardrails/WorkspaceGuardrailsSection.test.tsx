import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_GUARDRAIL_POLICY, evaluateGuardrails, validatePolicy, type GuardrailPolicy } from '../../../../shared/domain/guardrail-rules';
import { setBridgeForTests } from '../../ipc/bridge';
import { WorkspaceGuardrailsSection } from './WorkspaceGuardrailsSection';

const WS = 'ws-support01';

/** A scripted core applying the real shared rules (validation, evaluation without custom patterns). */
function installCore() {
  const calls: Array<{ channel: string; input: any }> = [];
  let own: GuardrailPolicy | null = null;
  let version = 0;
  const settings = () => ({ scope: 'workspace', workspaceId: WS, inherits: own === null, policy: own, defaults: DEFAULT_GUARDRAIL_POLICY, effective: own ?? DEFAULT_GUARDRAIL_POLICY, version });
  setBridgeForTests({
    async invoke(channel, raw) {
      const input = raw as any;
      calls.push({ channel, input });
      switch (channel) {
        case 'guardrails:get':
          return { ok: true, data: settings() };
        case 'guardrails:save': {
          const issues = input.policy ? validatePolicy(input.policy) : [];
          if (issues.length) return { ok: false, error: { code: 'E_VALIDATION', message: issues[0]!.message, issues } };
          own = input.inherits ? null : input.policy;
          version += 1;
          return { ok: true, data: settings() };
        }
        case 'guardrails:test': {
          const policy = input.policy ?? own ?? DEFAULT_GUARDRAIL_POLICY;
          const dirs = input.direction === 'both' ? ['input', 'output'] : [input.direction];
          return { ok: true, data: { evaluations: dirs.map((d: 'input' | 'output') => evaluateGuardrails(policy, input.text, d, new Map())), timeLimitMs: 250 } };
        }
        default:
          return { ok: false, error: { code: 'E_INTERNAL', message: `unexpected ${channel}` } };
      }
    },
  });
  return { calls, own: () => own };
}

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('WorkspaceGuardrailsSection', () => {
  it('leaves the defaults, redacts emails, shows a refused pattern at its field, saves, and runs the test box', async () => {
    const user = userEvent.setup();
    const core = installCore();
    render(<WorkspaceGuardrailsSection workspaceId={WS} />);
    const inherit = await screen.findByRole('checkbox', { name: 'Use the organisation defaults' });
    expect((inherit as HTMLInputElement).checked).toBe(true);
    await user.click(inherit);
    await user.selectOptions(screen.getByRole('combobox', { name: 'Action for Email address' }), 'redact');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Action for Credit card number (Luhn)' }), 'block');
    await user.click(screen.getByRole('button', { name: 'Add pattern' }));
    await user.type(screen.getByRole('textbox', { name: 'Pattern 1' }), '(a+)+$');
    await user.click(screen.getByRole('button', { name: 'Save guardrails' }));
    expect((await screen.findAllByText(/A repeated group contains another repetition/)).length).toBeGreaterThan(0);
    expect(screen.getByRole('textbox', { name: 'Pattern 1' }).getAttribute('aria-invalid')).toBe('true');
    expect(core.own()).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Remove pattern 1' }));
    await user.click(screen.getByRole('button', { name: 'Save guardrails' }));
    expect(await screen.findByText('Guardrails saved')).toBeTruthy();
    expect(core.own()?.pii.actions).toMatchObject({ email: 'redact', credit_card: 'block' });
    expect(core.calls.find((c) => c.channel === 'guardrails:save' && c.input.expectedVersion === 0 && c.input.inherits === false)).toBeDefined();

    await user.type(screen.getByRole('textbox', { name: 'Text to test' }), 'mail ana@example.com now');
    await user.click(screen.getByRole('button', { name: 'Run test' }));
    const result = await screen.findByRole('group', { name: 'Result for input' });
    expect(within(result).getByText('Input: redacted')).toBeTruthy();
    expect(within(result).getByLabelText('Redacted input').textContent).toBe('mail [REDACTED:EMAIL] now');
    expect(within(within(result).getByRole('list', { name: 'Matched rules for input' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Email address — redact (a*************m)']);

    await user.clear(screen.getByRole('textbox', { name: 'Text to test' }));
    await user.type(screen.getByRole('textbox', { name: 'Text to test' }), 'card 4111 1111 1111 1111');
    await user.click(screen.getByRole('button', { name: 'Run test' }));
    expect(await screen.findByText('Input: blocked')).toBeTruthy();
  }, 30_000);
});

import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { simulateRoute, validateRoutes, type ModelFacts, type Route } from '../../../../shared/domain/routing-rules';
import { setBridgeForTests } from '../../ipc/bridge';
import { WorkspaceRoutesSection } from './WorkspaceRoutesSection';

const WS = 'ws-search01';
const GRANTS = [
  { modelId: 'gpt-4o', displayName: 'GPT-4o', vendor: 'OpenAI', type: 'text', tokenMetered: true, rpmLimit: 600, tpmLimit: null },
  { modelId: 'gpt-4o-mini', displayName: 'GPT-4o mini', vendor: 'OpenAI', type: 'text', tokenMetered: true, rpmLimit: null, tpmLimit: null },
];
const facts = new Map<string, ModelFacts>([
  ...GRANTS.map((g) => [g.modelId, { granted: true, rpmLimit: g.rpmLimit, tpmLimit: g.tpmLimit }] as const),
  ['o3-mini', { granted: false, rpmLimit: null, tpmLimit: null }],
]);

/** A scripted core that applies the real shared rules (validation, simulation) to what the section sends. */
function installCore(initial: Route[] = []) {
  const calls: Array<{ channel: string; input: any }> = [];
  let stored = initial;
  let version = initial.length ? 1 : 0;
  const invalid = (routes: Route[]) => {
    const issues = validateRoutes(routes, facts);
    return issues.length ? { ok: false as const, error: { code: 'E_VALIDATION' as const, message: issues[0]!.message, issues } } : null;
  };
  setBridgeForTests({
    async invoke(channel, raw) {
      const input = raw as any;
      calls.push({ channel, input });
      switch (channel) {
        case 'routes:list':
          return { ok: true, data: { workspaceId: WS, routes: stored, version } };
        case 'modelGrants:list':
          return { ok: true, data: { workspaceId: WS, allModels: false, items: GRANTS, version: 1 } };
        case 'routes:check':
          return { ok: true, data: { issues: validateRoutes(input.routes, facts) } };
        case 'routes:save': {
          const refused = invalid(input.routes);
          if (refused) return refused;
          stored = [...input.routes].sort((a: Route, b: Route) => a.alias.localeCompare(b.alias));
          version += 1;
          return { ok: true, data: { workspaceId: WS, routes: stored, version, summary: { added: 1, removed: 0, changed: 0 } } };
        }
        case 'routes:simulate': {
          const refused = invalid(input.routes);
          if (refused) return refused;
          return { ok: true, data: simulateRoute(input.alias, input.routes, input.scenario, (m) => ({ rpmLimit: facts.get(m)?.rpmLimit ?? null, tpmLimit: null })) };
        }
        default:
          return { ok: false, error: { code: 'E_INTERNAL', message: `unexpected ${channel}` } };
      }
    },
  });
  return { calls, stored: () => stored };
}

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('WorkspaceRoutesSection', () => {
  it('creates a route, shows the core’s field errors next to the field, saves, and simulates a 429', async () => {
    const user = userEvent.setup();
    const core = installCore();
    render(<WorkspaceRoutesSection workspaceId={WS} />);
    await screen.findByText('No routes yet.');

    await user.click(screen.getByRole('button', { name: 'Add route' }));
    await user.type(screen.getByRole('textbox', { name: 'Alias of route 1' }), 'chat-default');
    expect((screen.getByRole('combobox', { name: 'Target 1 of chat-default' }) as HTMLInputElement).value).toBe('gpt-4o');
    await user.click(screen.getByRole('button', { name: 'Add target to chat-default' }));
    await user.type(screen.getByRole('combobox', { name: 'Target 2 of chat-default' }), 'o3-mini');
    await user.click(screen.getByRole('button', { name: 'Save routes' }));
    // The ungranted target is refused by the shared rules, shown at that target.
    const target2 = screen.getByRole('combobox', { name: 'Target 2 of chat-default' });
    await waitFor(() => expect(target2.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText(/o3-mini is not granted to this workspace/)).toBeTruthy();
    expect(core.stored()).toEqual([]);

    await user.clear(target2);
    await user.type(target2, 'gpt-4o-mini');
    const weight = screen.getByRole('textbox', { name: 'Weight of target 2 of chat-default' });
    await user.clear(weight);
    await user.type(weight, 'x');
    await user.click(screen.getByRole('button', { name: 'Save routes' }));
    expect(await screen.findByText('Weight must be a whole number')).toBeTruthy(); // caught before the core
    await user.clear(weight);
    await user.type(weight, '2');
    await user.click(screen.getByRole('button', { name: 'Save routes' }));
    expect(await screen.findByText('Routes saved')).toBeTruthy();
    expect(core.stored()).toEqual([
      {
        alias: 'chat-default',
        strategy: 'priority',
        targets: [
          { target: 'gpt-4o', weight: 1 },
          { target: 'gpt-4o-mini', weight: 2 },
        ],
        retries: 1,
        timeoutMs: 30_000,
        failoverOn: ['rate-limit', 'server-error', 'timeout'],
        expectedRpm: null,
      },
    ]);
    expect(core.calls.find((c) => c.channel === 'routes:save' && c.input.expectedVersion === 0)).toBeDefined();

    // Simulate: first target answers 429 → after its retry, gpt-4o-mini serves; the limits are listed.
    await user.selectOptions(screen.getByRole('combobox', { name: 'Outcome for gpt-4o' }), 'rate-limited');
    await user.click(screen.getByRole('button', { name: 'Simulate' }));
    expect(await screen.findByText('gpt-4o-mini serves the request after 3 tries')).toBeTruthy();
    const attempts = within(screen.getByRole('list', { name: 'Attempts' })).getAllByRole('listitem');
    expect(attempts.map((li) => li.textContent)).toEqual([
      'gpt-4o — 429 rate limited: Retry 1 of 1 on gpt-4o',
      'gpt-4o — 429 rate limited, retry 1: Fail over from gpt-4o (rate-limit)',
      'gpt-4o-mini — Answers: gpt-4o-mini answers',
    ]);
    const limits = within(screen.getByRole('table', { name: 'Rate limits that apply' })).getAllByRole('row');
    expect(limits.map((r) => r.textContent)).toEqual(['ModelRequests/minTokens/min', 'gpt-4o600default', 'gpt-4o-minidefaultdefault']);
  }, 30_000);

  it('Check reports a fallback loop between two aliases without saving', async () => {
    const user = userEvent.setup();
    const base = { strategy: 'priority' as const, retries: 0, timeoutMs: 30_000, failoverOn: ['server-error' as const], expectedRpm: null };
    const core = installCore([
      { ...base, alias: 'a', targets: [{ target: 'gpt-4o', weight: 1 }] },
      { ...base, alias: 'b', targets: [{ target: 'a', weight: 1 }] },
    ]);
    render(<WorkspaceRoutesSection workspaceId={WS} />);
    const targetOfA = await screen.findByRole('combobox', { name: 'Target 1 of a' });
    await user.clear(targetOfA);
    await user.type(targetOfA, 'b');
    await user.click(screen.getByRole('button', { name: 'Check' }));
    expect(await screen.findByText('Fallback loop: a → b → a')).toBeTruthy();
    expect(core.calls.some((c) => c.channel === 'routes:save')).toBe(false);
    await user.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect((screen.getByRole('combobox', { name: 'Target 1 of a' }) as HTMLInputElement).value).toBe('gpt-4o');
  });
});

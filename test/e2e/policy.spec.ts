import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createWorkspaceViaApi, editPanel } from './ui';
import { expect, test } from './web-host';

// Guardrails and the routing simulator driven like a user: roles and labels only.

async function expectNoViolations(page: Page, where: string, only: string): Promise<void> {
  const results = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).include(only).analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found, `axe violations on ${where}`).toEqual([]);
}

test('guardrails: PII redaction and a blocked term in the test box; a backtracking pattern is refused next to its field; axe clean', async ({ page, host }) => {
  const id = await createWorkspaceViaApi(host, { name: 'Guarded' });
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/workspaces/${id}/guardrails`);
  const panel = editPanel(page, 'Guarded');
  const section = panel.getByRole('region', { name: 'Guardrails' });
  await expect(section.getByLabel('Action for Email address')).toBeVisible();

  // A new workspace follows the organisation defaults; the fields unlock once it has its own policy.
  await section.getByLabel('Use the organisation defaults').uncheck();
  await section.getByLabel('Action for Email address').selectOption({ label: 'Redact' });
  await section.getByLabel('Blocked terms, one per line').fill('project-nightingale');
  await section.getByRole('button', { name: 'Save guardrails' }).click();
  await expect(section.getByText('Guardrails saved')).toBeVisible();

  const box = section.getByRole('region', { name: 'Test box' });
  await box.getByLabel('Text to test').fill('Please mail ada@example.com the report');
  await box.getByRole('button', { name: 'Run test' }).click();
  const input = box.getByRole('group', { name: 'Result for input' });
  await expect(input).toContainText('redacted');
  await expect(input.getByLabel('Redacted input')).toContainText('[REDACTED:');
  await expect(input.getByLabel('Redacted input')).not.toContainText('ada@example.com');
  await expect(input.getByRole('list', { name: 'Matched rules for input' })).toContainText('Email address');

  await box.getByLabel('Text to test').fill('Tell me about Project-Nightingale');
  await box.getByRole('button', { name: 'Run test' }).click();
  await expect(input).toContainText('blocked');
  await expect(input.getByRole('list', { name: 'Matched rules for input' })).toContainText('Blocked term “project-nightingale”');

  await expectNoViolations(page, 'the guardrails section', '.guardrails-section');

  // A pattern with nested quantifiers (catastrophic backtracking) is refused by the core, next to the field.
  await section.getByRole('button', { name: 'Add pattern' }).click();
  await section.getByLabel('Pattern 1', { exact: true }).fill('(a+)+$');
  await section.getByRole('button', { name: 'Save guardrails' }).click();
  await expect(section.getByLabel('Pattern 1', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  const saved = await host.invoke('guardrails:get', { workspaceId: id });
  expect(saved.body.ok && JSON.stringify(saved.body.data)).not.toContain('(a+)+$');
});

test('routing: a route built in the Routing section is simulated with the first model failing; the fallback serves; axe clean', async ({ page, host }) => {
  const id = await createWorkspaceViaApi(host, { name: 'Routed' });
  const grants = await host.invoke('modelGrants:save', { workspaceId: id, grants: [{ modelId: 'gpt-4o', rpmLimit: 100, tpmLimit: null }, { modelId: 'claude-haiku-4-5', rpmLimit: null, tpmLimit: null }] });
  expect(grants.body.ok).toBe(true);
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/workspaces/${id}/routing`);
  const section = editPanel(page, 'Routed').getByRole('region', { name: 'Model routing' });
  await expect(section.getByText('No routes yet.')).toBeVisible();

  await section.getByRole('button', { name: 'Add route' }).click();
  await section.getByLabel('Alias of route 1').fill('chat-default');
  await section.getByRole('combobox', { name: 'Target 1 of chat-default', exact: true }).fill('gpt-4o');
  await section.getByRole('button', { name: 'Add target to chat-default' }).click();
  await section.getByRole('combobox', { name: 'Target 2 of chat-default', exact: true }).fill('claude-haiku-4-5');
  await section.getByRole('group', { name: 'chat-default' }).getByRole('group', { name: 'Fail over on' }).getByLabel('5xx / unreachable').check();
  await section.getByRole('button', { name: 'Save routes' }).click();
  await expect(section.getByText('Routes saved')).toBeVisible();

  const simulate = section.getByRole('region', { name: 'Simulate a request' });
  await simulate.getByLabel('Outcome for gpt-4o').selectOption({ label: '5xx error' });
  await simulate.getByRole('button', { name: 'Simulate' }).click();
  const attempts = simulate.getByRole('list', { name: 'Attempts' });
  await expect(attempts.getByRole('listitem').last()).toContainText('claude-haiku-4-5');
  await expect(attempts.getByRole('listitem').first()).toContainText('gpt-4o');
  await expect(simulate.getByText(/claude-haiku-4-5/).first()).toBeVisible();

  await expectNoViolations(page, 'the routing section', '.routes-section');
});

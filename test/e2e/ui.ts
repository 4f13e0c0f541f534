import type { Locator, Page } from '@playwright/test';
import { expect, type WebHostHandle } from './web-host';

/** Opens the app at the host's current URL (token in the fragment) and waits for the workspace table. */
export async function openApp(page: Page, host: WebHostHandle): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Workspaces' })).toBeVisible();
  await expect(rowFor(page, 'Default Workspace')).toBeVisible();
}

export const workspacesTable = (page: Page): Locator => page.getByRole('table', { name: 'Workspaces' });

/** Data rows (the header row has column headers, not cells). */
export const dataRows = (page: Page): Locator => workspacesTable(page).getByRole('row').filter({ has: page.getByRole('cell') });

/** The table row whose name is exactly `name` (the default workspace's cell also carries a "Default" badge). */
export function rowFor(page: Page, name: string): Locator {
  const nameCell = name === 'Default Workspace' ? page.getByRole('cell', { name: /^Default Workspace\s*Default$/ }) : page.getByRole('cell', { name, exact: true });
  return workspacesTable(page).getByRole('row').filter({ has: nameCell });
}

/** The workspace ID as the table shows it in the row. */
export async function idInRow(row: Locator): Promise<string> {
  const text = (await row.getByText(/^ws-[a-z0-9]{4,32}$/).textContent())?.trim() ?? '';
  expect(text).toMatch(/^ws-[a-z0-9]{4,32}$/);
  return text;
}

export const editPanel = (page: Page, name: string): Locator => page.getByRole('region', { name, exact: true });

export const searchBox = (page: Page): Locator => page.getByRole('searchbox', { name: 'Search workspaces' });

export const sidebarSwitcher = (page: Page): Locator => page.getByRole('navigation', { name: 'Main' }).getByLabel('Switch workspace');

export const currentWorkspaceSelect = (page: Page): Locator => page.getByRole('main').getByLabel('Current Workspace');

export interface WorkspaceFields {
  name: string;
  owner?: string;
  environment?: string;
  region?: string;
  status?: string;
  budget?: string;
  currency?: string;
  description?: string;
}

/** Fills the workspace form inside `scope` (the create dialog or the edit panel). */
export async function fillWorkspaceForm(scope: Locator, fields: Partial<WorkspaceFields>): Promise<void> {
  if (fields.name !== undefined) await scope.getByLabel('Name', { exact: true }).fill(fields.name);
  // The owner is a member: pick them by name (create them first with createMemberViaApi).
  if (fields.owner !== undefined) await scope.getByLabel('Owner', { exact: true }).selectOption({ label: fields.owner });
  if (fields.environment !== undefined) await scope.getByLabel('Environment', { exact: true }).selectOption({ label: fields.environment });
  if (fields.region !== undefined) await scope.getByLabel('Region', { exact: true }).selectOption({ label: fields.region });
  if (fields.status !== undefined) await scope.getByLabel('Status', { exact: true }).selectOption({ label: fields.status });
  if (fields.budget !== undefined) await scope.getByLabel('Monthly budget', { exact: true }).fill(fields.budget);
  if (fields.currency !== undefined) await scope.getByLabel('Currency', { exact: true }).selectOption({ label: fields.currency });
  if (fields.description !== undefined) await scope.getByLabel('Description', { exact: true }).fill(fields.description);
}

/** Opens "Create workspace", fills the form and submits it; returns the dialog (still open if the core refused). */
export async function submitCreateDialog(page: Page, fields: Partial<WorkspaceFields>): Promise<Locator> {
  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create workspace' });
  await expect(dialog).toBeVisible();
  await fillWorkspaceForm(dialog, fields);
  await dialog.getByRole('button', { name: 'Create workspace', exact: true }).click();
  return dialog;
}

/** Creates a workspace through the dialog and waits until the table lists it. Returns its ID. */
export async function createWorkspaceViaDialog(page: Page, fields: WorkspaceFields): Promise<string> {
  const dialog = await submitCreateDialog(page, fields);
  await expect(dialog).toBeHidden();
  const row = rowFor(page, fields.name);
  await expect(row).toHaveCount(1);
  return idInRow(row);
}

/** Creates a workspace straight through the host's API (fast setup). Returns its ID. */
export async function createWorkspaceViaApi(host: WebHostHandle, input: Record<string, unknown>): Promise<string> {
  const { status, body } = await host.invoke('workspaces:create', input);
  expect(status).toBe(200);
  if (!body.ok) throw new Error(`workspaces:create failed: ${body.error.code} ${body.error.message}`);
  return body.data.id as string;
}

/** Adds an organisation member through the API (so they can own or join workspaces); returns the member ID. */
export async function createMemberViaApi(host: WebHostHandle, name: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@example.com`;
  const { status, body } = await host.invoke('members:create', { name, email });
  expect(status).toBe(200);
  if (!body.ok) throw new Error(`members:create failed: ${body.error.code} ${body.error.message}`);
  return body.data.id as string;
}

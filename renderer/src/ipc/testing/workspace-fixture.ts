import type { Workspace } from '../../../../shared/contract/workspace-schemas';

/** A workspace as the core returns it, for renderer tests; override what the test is about. */
export function workspaceFixture(overrides: Partial<Workspace> & Pick<Workspace, 'id' | 'name'>): Workspace {
  return {
    description: '',
    environment: 'production',
    region: 'global',
    status: 'active',
    owner: 'ana',
    ownerMemberId: 'mem-ana00001',
    monthlyBudgetMinor: 0,
    currency: 'USD',
    isDefault: false,
    keyCount: 0,
    keyLimit: 20,
    memberCount: 1,
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../../shared/contract/key-schemas';
import { DataTable } from '../../components/DataTable';
import { keyColumns } from './key-columns';

const base: ApiKey = {
  id: 'key-aaaa0001',
  workspaceId: 'ws-default',
  name: 'rotated',
  maskedKey: 'gh_…abcd',
  status: 'active',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  rotatedAt: '2026-01-01T00:00:00.000Z',
  previousValidUntil: null,
  rpmLimit: null,
  tpmLimit: null,
  monthlyBudgetMinor: null,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

afterEach(cleanup);

describe('key columns', () => {
  it('a key in its rotation grace window says until when the old secret works; an ended window says nothing', () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const rows: ApiKey[] = [
      { ...base, previousValidUntil: future },
      { ...base, id: 'key-aaaa0002', name: 'ended', previousValidUntil: '2020-01-01T00:00:00.000Z' },
    ];
    render(<DataTable label="API keys" columns={keyColumns(() => null, 'USD')} rows={rows} getRowId={(r) => r.id} empty="No keys" />);
    const rowOf = (name: string) => screen.getAllByRole('row').find((r) => within(r).queryByRole('cell', { name }) !== null)!;
    expect(within(rowOf('rotated')).getByText(/Old secret valid until/)).toBeTruthy();
    expect(rowOf('rotated').querySelector(`time[datetime="${future}"]`)).not.toBeNull();
    expect(within(rowOf('ended')).queryByText(/Old secret valid until/)).toBeNull();
  });
});

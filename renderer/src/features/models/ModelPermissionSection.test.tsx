import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Model } from '../../../../shared/contract/model-schemas';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import type { Result } from '../../../../shared/contract/errors';
import { setBridgeForTests } from '../../ipc/bridge';
import { workspaceFixture } from '../../ipc/testing/workspace-fixture';
import { ModelPermissionSection } from './ModelPermissionSection';

const workspace: Workspace = workspaceFixture({ id: 'ws-research01', name: 'Research' });

/** 30 text models from Acme (t00–t29) and 12 image models from Pixel (i00–i11). */
const catalog: Model[] = [
  ...Array.from({ length: 30 }, (_, i) => ({ id: `t${String(i).padStart(2, '0')}`, displayName: `Text ${String(i).padStart(2, '0')}`, vendor: 'Acme', type: 'text' as const, tokenMetered: true })),
  ...Array.from({ length: 12 }, (_, i) => ({ id: `i${String(i).padStart(2, '0')}`, displayName: `Image ${String(i).padStart(2, '0')}`, vendor: 'Pixel', type: 'image-generation' as const, tokenMetered: false })),
].map((m) => ({ ...m, contextWindow: null, inputPricePerMTokUsd: null, outputPricePerMTokUsd: null, unitPriceUsd: null, priceUnit: null }));

type Filter = { search: string; vendors: string[]; types: string[] };
const matches = (f: Filter) =>
  catalog.filter((m) => m.displayName.toLowerCase().includes(f.search.toLowerCase()) && (!f.vendors.length || f.vendors.includes(m.vendor)) && (!f.types.length || f.types.includes(m.type)));

/** A scripted core: filters and pages like the SQL does; records every call. */
function installBridge(options: { allModels?: boolean; saveResult?: (input: any) => Result<unknown> } = {}) {
  const calls: Array<{ channel: string; input: any }> = [];
  setBridgeForTests({
    async invoke(channel, raw) {
      const input = raw as any;
      calls.push({ channel, input });
      switch (channel) {
        case 'modelGrants:list':
          return { ok: true, data: { workspaceId: workspace.id, allModels: options.allModels ?? false, items: [], version: 0 } };
        case 'models:list': {
          const all = matches({ search: input.search ?? '', vendors: input.vendors ?? [], types: input.types ?? [] });
          const { index, size } = input.page;
          return { ok: true, data: { items: all.slice(index * size, (index + 1) * size), total: all.length, pageIndex: index, pageSize: size, catalogVersion: 'test' } };
        }
        case 'models:facets':
          return { ok: true, data: { vendors: [{ vendor: 'Acme', count: 30 }, { vendor: 'Pixel', count: 12 }], types: [{ type: 'text', count: 30 }, { type: 'image-generation', count: 12 }], total: 42 } };
        case 'models:matchIds': {
          const ids = matches(input).map((m) => m.id);
          return { ok: true, data: { ids, total: ids.length } };
        }
        case 'models:getMany':
          return { ok: true, data: { items: (input.ids as string[]).map((id) => catalog.find((m) => m.id === id)!) } };
        case 'models:checkLimits':
          return { ok: true, data: { warnings: [], truncated: false } };
        case 'modelGrants:save':
          return options.saveResult?.(input) ?? { ok: false, error: { code: 'E_INTERNAL', message: 'unused' } };
        default:
          return { ok: false, error: { code: 'E_NOT_FOUND', message: channel } };
      }
    },
  });
  return calls;
}

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('ModelPermissionSection', () => {
  it('the default workspace says it can call all models and offers no grant list', async () => {
    installBridge({ allModels: true });
    render(<ModelPermissionSection workspace={{ ...workspace, isDefault: true }} onDirtyChange={() => {}} />);
    expect(await screen.findByText(/can call all models/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'All Models' })).toBeNull();
  });

  it('selection persists across pages and filters; Select All Results adds every match; Select (N) grants them', async () => {
    const calls = installBridge({
      saveResult: () => ({ ok: false, error: { code: 'E_VALIDATION', message: 'Requests/min must be at least 1', issues: [{ path: 'grants.0.rpmLimit', message: 'Requests/min must be at least 1' }] } }),
    });
    const onDirtyChange = vi.fn();
    const user = userEvent.setup();
    render(<ModelPermissionSection workspace={workspace} onDirtyChange={onDirtyChange} />);
    await user.click(await screen.findByRole('button', { name: 'All Models' }));
    const dialog = await screen.findByRole('dialog', { name: 'Grant models to Research' });
    await within(dialog).findByRole('option', { name: 'Acme (30)' }); // facets arrive after a short debounce
    await user.selectOptions(within(dialog).getByLabelText('Page size'), '10');
    await user.selectOptions(within(dialog).getByLabelText('Vendor'), 'Acme');
    await user.click(await within(dialog).findByRole('checkbox', { name: 'Select Text 00' }));
    await user.click(within(dialog).getByRole('button', { name: 'Next page' }));
    await user.click(await within(dialog).findByRole('checkbox', { name: 'Select Text 15' }));
    await user.selectOptions(within(dialog).getByLabelText('Vendor'), 'Pixel');
    await within(dialog).findByRole('checkbox', { name: 'Select Image 00' });
    expect(within(dialog).getByRole('status').textContent).toBe('2 selected');
    await user.click(within(dialog).getByRole('button', { name: 'Select All Results (12)' }));
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('14 selected'));
    expect(calls.find((c) => c.channel === 'models:matchIds')?.input).toEqual({ search: '', vendors: ['Pixel'], types: [] });
    await user.selectOptions(within(dialog).getByLabelText('Vendor'), 'Acme');
    expect((await within(dialog).findByRole('checkbox', { name: 'Select Text 00' })) as HTMLInputElement).toHaveProperty('checked', true);
    await user.click(within(dialog).getByRole('button', { name: 'Select (14)' }));

    const table = await screen.findByRole('table', { name: 'Granted models for Research' });
    expect(within(table).getAllByRole('row')).toHaveLength(15); // header + 14
    expect(screen.getByLabelText('Tokens/min for Text 00')).toBeTruthy();
    expect(screen.queryByLabelText('Tokens/min for Image 00')).toBeNull();
    await waitFor(() => expect(onDirtyChange).toHaveBeenLastCalledWith(true));

    await user.type(screen.getByLabelText('Requests/min for Text 00'), '0');
    await user.click(screen.getByRole('button', { name: 'Save Changes' }));
    const save = calls.find((c) => c.channel === 'modelGrants:save')!.input;
    expect(save.expectedVersion).toBe(0);
    expect(save.grants).toHaveLength(14);
    expect(save.grants[0]).toEqual({ modelId: 't00', rpmLimit: 0, tpmLimit: null });
    expect(save.grants.find((g: { modelId: string }) => g.modelId === 'i00')).toEqual({ modelId: 'i00', rpmLimit: null, tpmLimit: null });
    const rpm = screen.getByLabelText('Requests/min for Text 00');
    await waitFor(() => expect(rpm.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getAllByRole('alert').some((a) => a.textContent === 'Requests/min must be at least 1')).toBe(true);

    // Cancel discards the whole draft.
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText(/No models granted yet/)).toBeTruthy();
    await waitFor(() => expect(onDirtyChange).toHaveBeenLastCalledWith(false));
  });

  it('a limit that is not a whole number is caught before calling the core', async () => {
    const calls = installBridge();
    const user = userEvent.setup();
    render(<ModelPermissionSection workspace={workspace} onDirtyChange={() => {}} />);
    await user.click(await screen.findByRole('button', { name: 'All Models' }));
    const dialog = await screen.findByRole('dialog', { name: 'Grant models to Research' });
    await user.selectOptions(within(dialog).getByLabelText('Type'), 'image-generation');
    await user.click(await within(dialog).findByRole('checkbox', { name: 'Select Image 00' }));
    await user.click(within(dialog).getByRole('button', { name: 'Select (1)' }));
    await user.type(await screen.findByLabelText('Requests/min for Image 00'), '1.5');
    await user.click(screen.getByRole('button', { name: 'Save Changes' }));
    await waitFor(() => expect(screen.getByLabelText('Requests/min for Image 00').getAttribute('aria-invalid')).toBe('true'));
    expect(calls.some((c) => c.channel === 'modelGrants:save')).toBe(false);
  });
});

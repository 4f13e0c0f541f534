import { describe, expect, it } from 'vitest';
import { useCliDataDir } from './cli-harness';
import catalog from '../../electron/core/catalog/model-catalog.json';
import { openTestCore } from '../../electron/core/testing/temp-core';

const cli = useCliDataDir('gatehouse-cli-models-');
const gh = cli.gh;

describe('gatehouse models list', () => {
  it('--json prints every catalog model with id, vendor, type and the token-metered flag', async () => {
    const r = await gh('models', 'list', '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    const items = JSON.parse(r.out) as Array<{ id: string; vendor: string; type: string; tokenMetered: boolean }>;
    expect(items).toHaveLength(catalog.length);
    expect(items.find((m) => m.id === 'qwen-image')).toMatchObject({ vendor: 'Alibaba', type: 'image-generation', tokenMetered: false });
  });

  it('pages through a catalog larger than one page (500) without losing or repeating a model', async () => {
    const store = openTestCore({ dataDir: cli.dataDir() });
    const insert = store.db.prepare(
      `INSERT INTO models (id, display_name, name_key, vendor, type, token_metered, source, catalog_version, updated_at)
       VALUES (?, ?, ?, 'Synthetic', 'text', 1, 'sync', 'test', 't')`,
    );
    for (let i = 0; i < 20; i++) insert.run(`synthetic-${i}`, `Synthetic ${i}`, `synthetic ${i} synthetic-${i}`);
    store.dispose();
    const ids = (JSON.parse((await gh('models', 'list', '--json')).out) as Array<{ id: string }>).map((m) => m.id);
    expect(ids).toHaveLength(catalog.length + 20);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('filters by search, vendor (any case) and type (id or label)', async () => {
    const r = await gh('models', 'list', '--search', 'qwen', '--vendor', 'alibaba', '--type', 'Image generation', '--json');
    expect(r.code).toBe(0);
    const want = catalog.filter((m) => m.vendor === 'Alibaba' && m.type === 'image-generation' && `${m.displayName} ${m.id}`.toLowerCase().includes('qwen'));
    expect(want.length).toBeGreaterThan(0);
    expect((JSON.parse(r.out) as Array<{ id: string }>).map((m) => m.id).sort()).toEqual(want.map((m) => m.id).sort());
  });

  it('prints a table without --json, and says so when nothing matches', async () => {
    const r = await gh('models', 'list', '--vendor', 'Alibaba', '--type', 'image-generation');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+VENDOR\s+TYPE\s+TOKEN-METERED\s+CONTEXT$/);
    expect(r.out).toMatch(/qwen-image\s+Qwen-Image\s+Alibaba\s+image-generation\s+no/);
    expect((await gh('models', 'list', '--search', 'zzzz-no-such-model')).out).toBe('No models match.');
  });

  it('unknown types are usage errors (exit 2); unknown vendors fail with E_VALIDATION (exit 1)', async () => {
    expect(await gh('models', 'list', '--type', 'music')).toMatchObject({ code: 2, err: expect.stringContaining('Unknown model type "music"') });
    expect(await gh('models', 'list', '--vendor', 'Nobody')).toMatchObject({ code: 1, err: expect.stringContaining('E_VALIDATION: Unknown vendor "Nobody"') });
    expect((await gh('models', 'frobnicate')).code).toBe(2);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import { coreEventSchema } from '../../../shared/contract/event-schemas';
import { openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore | null = null;
afterEach(() => {
  core?.dispose();
  core = null;
});

function collect(c: TestCore): CoreEvent[] {
  const events: CoreEvent[] = [];
  c.on((e) => events.push(e));
  return events;
}

describe('committed changes are announced', () => {
  it('a write emits one changed event after commit, naming its entities', () => {
    core = openTestCore({ externalChangePollMs: 0 });
    const events = collect(core);
    const ws = core.ok('workspaces:create', { name: 'Alpha' });
    const changed = events.filter((e) => e.type === 'changed');
    expect(changed).toHaveLength(1);
    const event = changed[0]!;
    expect(coreEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({ origin: 'this-core', truncated: false });
    expect(event.type === 'changed' && event.entityTypes).toContain('workspace');
    expect(event.type === 'changed' && event.entities.some((e) => e.entityId === ws.id)).toBe(true);
  });

  it('a read emits nothing; a failed write (rolled back) emits nothing', () => {
    core = openTestCore({ externalChangePollMs: 0 });
    core.ok('workspaces:create', { name: 'Alpha' });
    const events = collect(core);
    core.ok('workspaces:list', {});
    const dup = core.call('workspaces:create', { name: 'alpha' });
    expect(dup.ok).toBe(false);
    expect(events).toEqual([]);
  });

  it('another process writing to the same store is announced as other-process', async () => {
    core = openTestCore({ externalChangePollMs: 20 });
    const other = openTestCore({ dataDir: core.dataDir, externalChangePollMs: 0 });
    try {
      const events = collect(core);
      const ws = other.ok('workspaces:create', { name: 'From elsewhere' });
      const deadline = Date.now() + 3000;
      while (!events.some((e) => e.type === 'changed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const changed = events.find((e) => e.type === 'changed');
      expect(changed).toMatchObject({ origin: 'other-process' });
      expect(changed?.type === 'changed' && changed.entities.some((e) => e.entityId === ws.id)).toBe(true);
      // Our own later write is announced once, as this-core, not again as other-process.
      events.length = 0;
      core.ok('workspaces:create', { name: 'Mine' });
      await new Promise((r) => setTimeout(r, 100));
      expect(events.filter((e) => e.type === 'changed').map((e) => e.type === 'changed' && e.origin)).toEqual(['this-core']);
    } finally {
      other.dispose();
    }
  });
});

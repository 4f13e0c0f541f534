import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core, type CoreOptions } from '../core';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../shared/contract';
import type { Result } from '../../../shared/contract/errors';

export function makeTempDir(prefix = 'gatehouse-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestCore extends Core {
  call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Result<ChannelOutput<C>>;
  /** Calls and unwraps, failing the test with the error payload on error. */
  ok<C extends ChannelName>(channel: C, input: ChannelInput<C>): ChannelOutput<C>;
  dispose(): void;
}

/** A real core on a real SQLite file in a fresh temp dir, trusted as the CLI. */
export function openTestCore(overrides: Partial<CoreOptions> = {}): TestCore {
  const dataDir = overrides.dataDir ?? makeTempDir();
  const core = createCore({
    dataDir,
    appVersion: '0.0.0-test',
    isTrustedSender: () => true,
    localUserName: 'test-admin',
    logError: () => {},
    ...overrides,
  });
  const call = <C extends ChannelName>(channel: C, input: ChannelInput<C>) =>
    core.dispatcher.dispatch(channel, input, { kind: 'cli' }) as Result<ChannelOutput<C>>;
  return {
    ...core,
    call,
    ok(channel, input) {
      const result = call(channel, input);
      if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
      return result.data;
    },
    dispose() {
      core.close();
      if (!overrides.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every row of every user table: compare before/after a failed call to prove nothing changed. */
export function dumpTables(core: Core): Record<string, unknown[]> {
  const tables = core.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((t) => [t, core.db.prepare(`SELECT * FROM "${t}"`).all()]));
}

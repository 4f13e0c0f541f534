import fs from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { runCli } from '../../electron/hosts/cli/cli';

/** A fresh temp data dir per test and `gh(...argv)` that runs the CLI in-process against it. */
export function useCliDataDir(prefix: string) {
  let dataDir = '';
  beforeEach(() => {
    dataDir = makeTempDir(prefix);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return {
    dataDir: () => dataDir,
    async gh(...argv: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['--data-dir', dataDir, ...argv], { out: (t) => out.push(t), err: (t) => err.push(t), env: {} });
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
  };
}

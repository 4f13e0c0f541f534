import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Proves the layering lint rules fire (a rule that never fires would pass silently).
const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function ruleIdsFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse-error');
}

describe('layering rules', () => {
  it.each([
    ['shared/contract/x.ts', "import fs from 'node:fs';\nexport const a = fs;", 'no-restricted-imports'],
    ['shared/domain/x.ts', "import { app } from 'electron';\nexport const a = app;", 'no-restricted-imports'],
    ['shared/domain/y.ts', 'export const w = window.location;', 'no-restricted-globals'],
    ['renderer/src/x.ts', "import path from 'path';\nexport const a = path;", 'no-restricted-imports'],
    ['renderer/src/y.ts', "import { createCore } from '../../electron/core/core';\nexport const a = createCore;", 'no-restricted-imports'],
    ['electron/core/x.ts', "import { app } from 'electron';\nexport const a = app;", 'no-restricted-imports'],
    ['electron/hosts/x.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;", 'no-restricted-imports'],
    ['electron/main/x.ts', "import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);", 'no-restricted-syntax'],
  ])('%s: forbidden code is reported', async (file, code, rule) => {
    expect(await ruleIdsFor(file, code)).toContain(rule);
  });

  it('the IPC wrappers and shell may do what they exist for', async () => {
    expect(await ruleIdsFor('electron/main/ipc-bridge.ts', "import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);")).toEqual([]);
    expect(await ruleIdsFor('electron/core/y.ts', "import fs from 'node:fs';\nexport const a = fs;")).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/hosts/cli/cli';
import { DATABASE_FILE_NAME } from '../../electron/core/store/database';
import { makeTempDir } from '../../electron/core/testing/temp-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let dataDir: string;
beforeEach(() => {
  dataDir = makeTempDir('gatehouse-cli-');
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
/** Runs against the temp data dir. */
const gh = (...argv: string[]) => cli(['--data-dir', dataDir, ...argv]);

async function listNames(): Promise<string[]> {
  const r = await gh('workspaces', 'list', '--json');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as Array<{ name: string }>).map((w) => w.name);
}

describe('workspaces commands', () => {
  it('create --json prints the workspace with labels mapped to ids and the budget in minor units', async () => {
    const r = await gh('workspaces', 'create', '--name', 'X', '--environment', 'Staging', '--region', 'EU', '--budget', '1500.50', '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    const ws = JSON.parse(r.out);
    expect(ws).toMatchObject({ name: 'X', environment: 'staging', region: 'eu', monthlyBudgetMinor: 150050, currency: 'USD', isDefault: false, version: 1 });
    expect(ws.id).toMatch(/^ws-[a-z0-9]+$/);
  });

  it('create without --json prints a human line; --budget with thousands separators works', async () => {
    const r = await gh('workspaces', 'create', '--name', 'Human', '--budget', '1,234.5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Created workspace Human \(ws-[a-z0-9]+\)$/);
    const list = JSON.parse((await gh('workspaces', 'list', '--json')).out) as Array<{ name: string; monthlyBudgetMinor: number }>;
    expect(list.find((w) => w.name === 'Human')?.monthlyBudgetMinor).toBe(123450);
  });

  it('list --json prints an array (the default workspace on a fresh store)', async () => {
    const r = await gh('workspaces', 'list', '--json');
    expect(r.code).toBe(0);
    const items = JSON.parse(r.out);
    expect(Array.isArray(items)).toBe(true);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ name: 'Default Workspace', isDefault: true });
  });

  it('list --search filters, and the table view names the default', async () => {
    await gh('workspaces', 'create', '--name', 'Search Team');
    await gh('workspaces', 'create', '--name', 'Billing');
    expect((JSON.parse((await gh('workspaces', 'list', '--search', 'search', '--json')).out) as unknown[]).length).toBe(1);
    const table = await gh('workspaces', 'list');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^NAME\s+ID\s+ENVIRONMENT/);
    expect(table.out).toContain('Default Workspace (default)');
    expect((await gh('workspaces', 'list', '--search', 'zzz')).out).toBe('No workspaces match.');
  });

  it('rename ID --name Y --json prints the renamed workspace with the same id', async () => {
    const id = JSON.parse((await gh('workspaces', 'create', '--name', 'Before', '--json')).out).id as string;
    const r = await gh('workspaces', 'rename', id, '--name', 'After', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ id, name: 'After', version: 2 });
    expect(await listNames()).toContain('After');
  });

  it('delete ID --confirm WRONG exits non-zero with E_VALIDATION and keeps the workspace', async () => {
    const id = JSON.parse((await gh('workspaces', 'create', '--name', 'Keep Me', '--json')).out).id as string;
    const r = await gh('workspaces', 'delete', id, '--confirm', 'WRONG');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/E_VALIDATION/);
    expect(r.out).toBe('');
    expect(await listNames()).toContain('Keep Me');
    const ok = await gh('workspaces', 'delete', id, '--confirm', 'Keep Me');
    expect(ok.code).toBe(0);
    expect(await listNames()).not.toContain('Keep Me');
  });

  it('the 21st workspace (default + 19 + 1) prints E_LIMIT and exits non-zero', async () => {
    for (let i = 1; i <= 19; i += 1) expect((await gh('workspaces', 'create', '--name', `WS ${i}`)).code).toBe(0);
    const r = await gh('workspaces', 'create', '--name', 'One Too Many');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^E_LIMIT: .*20/);
    expect(await listNames()).toHaveLength(20);
  });

  it('a duplicate name prints E_CONFLICT', async () => {
    await gh('workspaces', 'create', '--name', 'Dup');
    const r = await gh('workspaces', 'create', '--name', 'dup');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_CONFLICT/);
  });
});

describe('call', () => {
  it("call workspaces:create '{\"name\":\"x\",\"bogus\":1}' → E_VALIDATION, exit 1, nothing created", async () => {
    const r = await gh('call', 'workspaces:create', '{"name":"x","bogus":1}');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_VALIDATION/);
    expect(r.err).toContain('bogus');
    expect(await listNames()).toEqual(['Default Workspace']);
  });

  it('call prints the result data as JSON', async () => {
    const r = await gh('call', 'workspaces:create', '{"name":"Via Call","monthlyBudgetMinor":7}');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ name: 'Via Call', monthlyBudgetMinor: 7 });
    const info = JSON.parse((await gh('call', 'app:info')).out);
    expect(info).toMatchObject({ name: 'Gatehouse', dataDir });
  });

  it.each([['{name: x}'], ['{"name":'], ["{'name':'x'}"], ['']])('invalid JSON %j → non-zero, store not even opened', async (text) => {
    const r = await gh('call', 'workspaces:create', text);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/E_VALIDATION: The input is not valid JSON/);
    expect(fs.existsSync(path.join(dataDir, DATABASE_FILE_NAME))).toBe(false);
  });

  it('unknown channel → non-zero', async () => {
    const r = await gh('call', 'workspaces:drop', '{}');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown channel/);
  });
});

describe('usage errors', () => {
  it.each([
    [['workspaces', 'list', '--bogus']],
    [['workspaces', 'list', '--json=yes']],
    [['--force', 'workspaces', 'list']],
    [['workspaces', 'create', '--name']],
    [['-x', 'workspaces', 'list']],
  ])('unknown or malformed flags %j → exit 2, store not opened', async (argv) => {
    const r = await gh(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_VALIDATION/);
    expect(fs.existsSync(path.join(dataDir, DATABASE_FILE_NAME))).toBe(false);
  });

  it.each([
    [['workspaces']],
    [['workspaces', 'explode']],
    [['widgets', 'list']],
    [['workspaces', 'create']],
    [['workspaces', 'create', '--name', 'X', '--environment', 'prod']],
    [['workspaces', 'create', '--name', 'X', '--region', 'Mars']],
    [['workspaces', 'create', '--name', 'X', '--budget', '-5']],
    [['workspaces', 'create', '--name', 'X', '--budget', '1.234']],
    [['workspaces', 'create', '--name', 'X', '--budget', '1.5', '--currency', 'JPY']],
    [['workspaces', 'rename', '--name', 'Y']],
    [['workspaces', 'delete', 'ws-abcd1234']],
    [['workspaces', 'delete', 'ws-abcd1234', 'extra', '--confirm', 'x']],
  ])('%j → exit 2, nothing written', async (argv) => {
    const r = await gh(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(fs.existsSync(path.join(dataDir, DATABASE_FILE_NAME))).toBe(false);
  });

  it('no arguments prints usage to stderr with exit 2; --help prints it to stdout with exit 0', async () => {
    expect(await cli([])).toMatchObject({ code: 2, out: '' });
    expect((await cli([])).err).toMatch(/^Usage: gatehouse/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: gatehouse/);
  });

  // Regression, fixed: a stray positional after `workspaces create` / `workspaces list` is silently ignored
  // (cli.ts planRequest: `arg` is only read for rename/delete, and `rest.length > 0` is the only
  // check). An unquoted name, `--name My Team`, creates a workspace called "My" and exits 0.
  it('an unquoted multi-word name is refused instead of silently truncated', async () => {
    const r = await gh('workspaces', 'create', '--name', 'My', 'Team');
    expect(r.code).toBe(2);
    expect(fs.existsSync(path.join(dataDir, DATABASE_FILE_NAME)) ? await listNames() : []).not.toContain('My');
  });
});

describe('data dir', () => {
  it('GATEHOUSE_DATA_DIR is honoured when --data-dir is absent', async () => {
    const envDir = path.join(dataDir, 'from-env');
    const r = await cli(['workspaces', 'create', '--name', 'Env Team', '--json'], { GATEHOUSE_DATA_DIR: envDir });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(envDir, DATABASE_FILE_NAME))).toBe(true);
    const list = await cli(['workspaces', 'list', '--json'], { GATEHOUSE_DATA_DIR: envDir });
    expect((JSON.parse(list.out) as Array<{ name: string }>).map((w) => w.name)).toContain('Env Team');
  });

  it('--data-dir wins over GATEHOUSE_DATA_DIR', async () => {
    const envDir = path.join(dataDir, 'env');
    const flagDir = path.join(dataDir, 'flag');
    expect((await cli(['--data-dir', flagDir, 'workspaces', 'list'], { GATEHOUSE_DATA_DIR: envDir })).code).toBe(0);
    expect(fs.existsSync(path.join(flagDir, DATABASE_FILE_NAME))).toBe(true);
    expect(fs.existsSync(envDir)).toBe(false);
  });

  it('a store written by a newer Gatehouse → E_STORAGE, exit 1, file untouched', async () => {
    const { default: Database } = await import('better-sqlite3');
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    const r = await gh('workspaces', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^E_STORAGE: This data was written by a newer Gatehouse/);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(999);
    check.close();
  });
});

describe('the real bin', () => {
  it('node bin/gatehouse.mjs --data-dir D workspaces list --json exits 0 and prints JSON', async () => {
    const result = spawnSync(process.execPath, ['bin/gatehouse.mjs', '--data-dir', dataDir, 'workspaces', 'list', '--json'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, GATEHOUSE_DATA_DIR: '' },
      timeout: 60_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const items = JSON.parse(result.stdout);
    expect(items).toEqual([expect.objectContaining({ name: 'Default Workspace', isDefault: true })]);
  });

  it('the real bin exits non-zero on a failed call', async () => {
    const result = spawnSync(process.execPath, ['bin/gatehouse.mjs', '--data-dir', dataDir, 'call', 'workspaces:create', '{"bogus":1}'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^E_VALIDATION/);
    expect(result.stdout).toBe('');
  });
});

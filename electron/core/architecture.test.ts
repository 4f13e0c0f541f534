import { ESLint } from 'eslint';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Proves every layer rule fires on code that breaks it (a rule that never fires passes silently),
// and that allowed code stays clean. Table and rules: eslint.config.js, scripts/eslint/code-layering.js.
const root = path.resolve(import.meta.dirname, '../..');
const layering = 'local/code-layering';
const restricted = 'no-restricted-imports';
const floating = '@typescript-eslint/no-floating-promises';
const misused = '@typescript-eslint/no-misused-promises';

type Probe = [what: string, file: string, code: string, expected: string[]];

/** `expected` entries are rule ids; for the layering rule `local/code-layering[<layer>]` names the table row that must fire. */
const forbidden: Probe[] = [
  ['shared → better-sqlite3', 'shared/domain/layer-probe.ts', "import Database from 'better-sqlite3';\nexport const a = Database;", [`${layering}[shared]`]],
  ['shared → node:fs', 'shared/contract/layer-probe.ts', "import fs from 'node:fs';\nexport const a = fs;", [`${layering}[shared]`]],
  ['shared → electron', 'shared/domain/layer-probe.ts', "import { app } from 'electron';\nexport const a = app;", [`${layering}[shared]`, restricted]],
  ['shared → renderer', 'shared/domain/layer-probe.ts', "import { a } from '../../renderer/src/ipc/client';\nexport const b = a;", [`${layering}[shared]`]],
  ['shared uses window', 'shared/domain/layer-probe.ts', 'export const w = window.location;', ['no-restricted-globals']],
  ['renderer → better-sqlite3', 'renderer/src/layer-probe.ts', "import Database from 'better-sqlite3';\nexport const a = Database;", [`${layering}[renderer]`]],
  ['renderer → node built-in', 'renderer/src/features/layer-probe.ts', "import path from 'path';\nexport const a = path;", [`${layering}[renderer]`]],
  ['renderer → electron/core', 'renderer/src/layer-probe.ts', "import { createCore } from '../../electron/core/core';\nexport const a = createCore;", [`${layering}[renderer]`]],
  ['renderer → unlisted package', 'renderer/src/layer-probe.tsx', "import { parse } from 'csv-parse/sync';\nexport const a = parse;", [`${layering}[renderer]`]],
  ['renderer → electron', 'renderer/src/layer-probe.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;", [`${layering}[renderer]`, restricted]],
  ['core → hosts', 'electron/core/services/layer-probe.ts', "import { runCli } from '../../hosts/cli/cli';\nexport const a = runCli;", [`${layering}[core]`]],
  ['core → main', 'electron/core/layer-probe.ts', "import { registerIpcHandlers } from '../main/ipc-bridge';\nexport const a = registerIpcHandlers;", [`${layering}[core]`]],
  ['core → react', 'electron/core/layer-probe.ts', "import { useState } from 'react';\nexport const a = useState;", [`${layering}[core]`]],
  ['core → react-dom', 'electron/core/store/layer-probe.ts', "import { createRoot } from 'react-dom/client';\nexport const a = createRoot;", [`${layering}[core]`]],
  ['core → electron', 'electron/core/layer-probe.ts', "import { safeStorage } from 'electron';\nexport const a = safeStorage;", [`${layering}[core]`, restricted]],
  ['core test → hosts (tests are exempt from the intra-core rules only)', 'electron/core/store/layer-probe.test.ts', "import { runCli } from '../../hosts/cli/cli';\nexport const a = runCli;", [`${layering}[core]`]],
  ['store → services', 'electron/core/store/layer-probe.ts', "import { createWorkspaceService } from '../services/workspace-service';\nexport const a = createWorkspaceService;", [`${layering}[core/store]`]],
  ['store → handlers (type only)', 'electron/core/store/migrations/layer-probe.ts', "import type { HandlerMap } from '../../handlers/pipeline';\nexport type A = HandlerMap;", [`${layering}[core/store]`]],
  ['store → jobs', 'electron/core/store/layer-probe.ts', "export { startJob } from '../jobs/job-runner';", [`${layering}[core/store]`]],
  ['store → client', 'electron/core/store/layer-probe.ts', "export * from '../client/core-client';", [`${layering}[core/store]`]],
  ['services → handlers', 'electron/core/services/layer-probe.ts', "import { pipeline } from '../handlers/pipeline';\nexport const a = pipeline;", [`${layering}[core/services]`]],
  ['services → client (dynamic import)', 'electron/core/services/layer-probe.ts', "export const load = () => import('../client/core-client');", [`${layering}[core/services]`]],
  ['handlers → store', 'electron/core/handlers/layer-probe.ts', "import { createUsageRepository } from '../store/usage-repository';\nexport const a = createUsageRepository;", [`${layering}[core/handlers]`]],
  ['handlers → store (type only)', 'electron/core/handlers/layer-probe.ts', "import type { KeyRepository } from '../store/key-repository';\nexport type A = KeyRepository;", [`${layering}[core/handlers]`]],
  ['handlers → store (inline import type)', 'electron/core/handlers/layer-probe.ts', "export type A = import('../store/database').Database;", [`${layering}[core/handlers]`]],
  ['hosts → core/services', 'electron/hosts/cli/layer-probe.ts', "import { createExportJobs } from '../../core/services/export-jobs';\nexport const a = createExportJobs;", [`${layering}[hosts]`]],
  ['hosts → core/store', 'electron/hosts/web/layer-probe.ts', "import { openDatabase } from '../../core/store/database';\nexport const a = openDatabase;", [`${layering}[hosts]`]],
  ['hosts → core/handlers', 'electron/hosts/layer-probe.ts', "import type { HandlerMap } from '../core/handlers/pipeline';\nexport type A = HandlerMap;", [`${layering}[hosts]`]],
  ['hosts → electron', 'electron/hosts/layer-probe.ts', "import { app } from 'electron';\nexport const a = app;", [restricted]],
  ['main → core/services', 'electron/main/layer-probe.ts', "import { createKeyService } from '../core/services/key-service';\nexport const a = createKeyService;", [`${layering}[main]`]],
  ['main → core/store', 'electron/main/layer-probe.ts', "import { openDatabase } from '../core/store/database';\nexport const a = openDatabase;", [`${layering}[main]`]],
  ['main → better-sqlite3', 'electron/main/layer-probe.ts', "import Database from 'better-sqlite3';\nexport const a = Database;", [`${layering}[main]`]],
  ['preload → core', 'electron/preload/layer-probe.ts', "import { createCore } from '../core/core';\nexport const a = createCore;", [`${layering}[preload]`]],
  ['preload → the zod contract', 'electron/preload/layer-probe.ts', "import { contract } from '../../shared/contract/contract';\nexport const a = contract;", [`${layering}[preload]`]],
  ['preload → raw ipcRenderer outside the wrapper', 'electron/preload/layer-probe.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;", [restricted]],
  ['ipcMain via an alias', 'electron/main/layer-probe.ts', "import { ipcMain as m } from 'electron';\nm.handle('x', () => 1);", [restricted]],
  ['ipcMain via a namespace import', 'electron/main/layer-probe.ts', "import * as e from 'electron';\ne.ipcMain.handle('x', () => 1);", [restricted]],
  ['ipcRenderer via a default import and destructuring', 'electron/main/layer-probe.ts', "import electron from 'electron';\nconst { ipcRenderer } = electron;\nexport const a = ipcRenderer;", [restricted]],
  ['ipcMain via a re-export', 'electron/main/layer-probe.ts', "export { ipcMain } from 'electron';", [restricted]],
  ['ipcMain via a dynamic import', 'electron/main/layer-probe.ts', "export async function f() {\n  return (await import('electron')).ipcMain;\n}", ['no-restricted-syntax']],
  ['ipcMain via require', 'electron/main/layer-probe.ts', "const e = require('electron');\nexport const a = e.ipcMain;", ['@typescript-eslint/no-require-imports']],
  ['reference gateway → electron/core', 'test/reference-gateway/layer-probe.ts', "import { createCore } from '../../electron/core/core';\nexport const a = createCore;", [`${layering}[reference-gateway]`]],
  ['a floating promise', 'electron/core/services/layer-probe.ts', 'async function save(): Promise<void> {}\nexport function run(): void {\n  save();\n}', [floating]],
  ['a floating promise in a test', 'test/unit/layer-probe.test.ts', "import { expect, it } from 'vitest';\nit('x', () => {\n  expect(Promise.resolve(1)).resolves.toBe(1);\n});", [floating]],
  ['an async listener where void is expected', 'renderer/src/layer-probe.ts', "async function refresh(): Promise<void> {}\nwindow.addEventListener('focus', async () => {\n  await refresh();\n});", [misused]],
  ['an async onClick', 'renderer/src/layer-probe.tsx', "async function save(): Promise<void> {}\nexport const B = () => <button onClick={async () => save()}>Save</button>;", [misused]],
];

const allowed: Probe[] = [
  ['ipc-bridge.ts may use ipcMain', 'electron/main/ipc-bridge.ts', "import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);", []],
  ['preload.ts may use ipcRenderer and the channel names', 'electron/preload/preload.ts', "import { contextBridge, ipcRenderer } from 'electron';\nimport { isChannelName } from '../../shared/contract/channel-names';\nimport { EVENT_NAMES } from '../../shared/contract/event-names';\ncontextBridge.exposeInMainWorld('g', { ipcRenderer, isChannelName, EVENT_NAMES });", []],
  ['main may use other parts of electron and the core client', 'electron/main/layer-probe.ts', "import { app } from 'electron';\nimport path from 'node:path';\nimport { createCoreClient } from '../core/client/core-client';\nimport { APP_CSP } from '../core/static-assets';\nexport const a = [app, path, createCoreClient, APP_CSP];", []],
  ['main tests may use the core test kit', 'electron/main/layer-probe.test.ts', "import { it } from 'vitest';\nimport { makeTempDir } from '../core/testing/temp-core';\nit('x', () => void makeTempDir);", []],
  ['main may take ipcMain as a type', 'electron/main/layer-probe.ts', "import type { IpcMain } from 'electron';\nexport type A = IpcMain;", []],
  ['core may import node:fs and packages', 'electron/core/layer-probe.ts', "import fs from 'node:fs';\nimport Database from 'better-sqlite3';\nimport { z } from 'zod';\nexport const a = [fs, Database, z];", []],
  ['handlers may import services', 'electron/core/handlers/layer-probe.ts', "import { createKeyService } from '../services/key-service';\nexport const a = createKeyService;", []],
  ['services may import the store', 'electron/core/services/layer-probe.ts', "import { createKeyRepository } from '../store/key-repository';\nexport const a = createKeyRepository;", []],
  ['core tests are exempt from the intra-core rules', 'electron/core/store/layer-probe.test.ts', "import { createWorkspaceService } from '../services/workspace-service';\nexport const a = createWorkspaceService;", []],
  ['hosts may use the client, data dir, static assets and Node', 'electron/hosts/cli/layer-probe.ts', "import fs from 'node:fs';\nimport { createCoreClient } from '../../core/client/core-client';\nimport { resolveDataDir } from '../../core/data-dir';\nimport { APP_CSP } from '../../core/static-assets';\nimport type { HostCapabilities } from '../../core/host-capabilities';\nimport { CHANNEL_NAMES } from '../../../shared/contract/channel-names';\nimport packageJson from '../../../package.json' with { type: 'json' };\nexport const a = [fs, createCoreClient, resolveDataDir, APP_CSP, CHANNEL_NAMES, packageJson];\nexport type B = HostCapabilities;", []],
  ['renderer may import react, its allowlist, CSS and shared', 'renderer/src/features/layer-probe.tsx', "import { useState } from 'react';\nimport { createRoot } from 'react-dom/client';\nimport { create } from 'zustand';\nimport { useReactTable } from '@tanstack/react-table';\nimport { z } from 'zod';\nimport { formatMoney } from '../../../shared/domain/money';\nimport './layer-probe.css';\nexport const a = [useState, createRoot, create, useReactTable, z, formatMoney];", []],
  ['renderer tests may import the test kit', 'renderer/src/layer-probe.test.tsx', "import { it } from 'vitest';\nimport { render } from '@testing-library/react';\nimport { Window } from 'happy-dom';\nit('x', () => void [render, Window]);", []],
  ['shared may import zod and shared', 'shared/domain/layer-probe.ts', "import { z } from 'zod';\nimport { CHANNEL_NAMES } from '../contract/channel-names';\nexport const a = [z, CHANNEL_NAMES];", []],
  ['a handled promise', 'renderer/src/layer-probe.ts', "async function refresh(): Promise<void> {}\nwindow.addEventListener('focus', () => {\n  void refresh();\n});", []],
  ['test/ may import anything', 'test/unit/layer-probe.ts', "import { runCli } from '../../electron/hosts/cli/cli';\nimport { createKeyRepository } from '../../electron/core/store/key-repository';\nexport const a = [runCli, createKeyRepository];", []],
];

// The probes are virtual (lintText): no tsconfig lists them, so they get the project service's
// default project; every rule's configuration is the real one from eslint.config.js.
const virtualFiles = [...new Set([...forbidden, ...allowed].map(([, file]) => file))].filter((file) => !fs.existsSync(path.join(root, file)));
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { files: ['**/*.ts', '**/*.tsx'], languageOptions: { parserOptions: { projectService: { allowDefaultProject: virtualFiles, maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: virtualFiles.length } } } },
});

async function lintIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => {
    if (m.ruleId === layering) return `${layering}[${m.message.slice(0, m.message.indexOf(':'))}]`;
    return m.ruleId ?? `parse error: ${m.message}`;
  });
}

describe('layer rules (ESLint probes)', () => {
  it.each(forbidden)('%s: reported', async (_what, file, code, expected) => {
    const ids = await lintIds(file, code);
    for (const id of expected) expect(ids).toContain(id);
  }, 60_000);

  it.each(allowed)('%s: clean', async (_what, file, code) => {
    expect(await lintIds(file, code)).toEqual([]);
  }, 60_000);
});

/** Writes probe files, runs `run`, removes them whatever happens. */
async function withProbeFiles<T>(files: Record<string, string>, run: (paths: string[]) => Promise<T>): Promise<T> {
  const paths = Object.keys(files);
  try {
    for (const [file, code] of Object.entries(files)) fs.writeFileSync(path.join(root, file), code);
    return await run(paths);
  } finally {
    for (const file of paths) fs.rmSync(path.join(root, file), { force: true });
  }
}

function runNode(args: string[], stdin: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    child.stdin.end(stdin);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const probeId = () => `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

// One in-process compiler instead of a `tsc -p` per project: the same compiler and each project's
// own parsed tsconfig, with lib files parsed once (a few seconds rather than a minute on a busy box).
const sourceFiles = new Map<string, ts.SourceFile | undefined>();
function typecheck(project: string, roots: 'probes only' | 'whole project', probes: string[]): { listed: boolean; errors: string } {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, project), { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error(`cannot read ${project}`);
  const probePaths = probes.map((file) => path.join(root, file));
  const host = ts.createCompilerHost(parsed.options);
  const readSource = host.getSourceFile;
  host.getSourceFile = (fileName, ...rest) => {
    if (probePaths.includes(path.resolve(fileName)) || !fileName.includes('node_modules')) return readSource(fileName, ...rest);
    if (!sourceFiles.has(fileName)) sourceFiles.set(fileName, readSource(fileName, ...rest));
    return sourceFiles.get(fileName);
  };
  const program = ts.createProgram({
    rootNames: roots === 'probes only' ? probePaths : parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    host,
  });
  const errors = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && probePaths.includes(path.resolve(d.file.fileName)))
    .map((d) => `error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
    .join('\n');
  // The probe must be one of the project's own files, or its errors would prove nothing.
  const listed = probePaths.every((probe) => parsed.fileNames.map((f) => path.resolve(f)).includes(probe));
  return { listed, errors };
}

describe('layer rules (tsconfig probes)', () => {
  it('each project rejects what its lib/types/references leave out', async () => {
    const id = probeId();
    const shared = `shared/domain/__tsc-probe-${id}.ts`;
    const renderer = `renderer/src/__tsc-probe-${id}.ts`;
    const preload = `electron/preload/__tsc-probe-${id}.ts`;
    await withProbeFiles(
      {
        [shared]: "export const home = process.env.HOME;\nexport const bytes = Buffer.from('x');\n",
        [renderer]: "import fs from 'node:fs';\nexport const bytes = Buffer.from('x');\nexport const a = fs;\n",
        [preload]: "import * as dataDir from '../core/data-dir';\nexport const a = dataDir;\n",
      },
      async () => {
        // shared/ and the renderer: lib ES20xx (+ DOM), no Node types.
        const s = typecheck('shared/tsconfig.json', 'probes only', [shared]);
        expect(s.listed).toBe(true);
        expect(s.errors).toMatch(/error TS\d+: Cannot find name 'process'/);
        expect(s.errors).toMatch(/error TS\d+: Cannot find name 'Buffer'/);
        const r = typecheck('renderer/tsconfig.json', 'probes only', [renderer]);
        expect(r.listed).toBe(true);
        expect(r.errors).toMatch(/error TS2307: Cannot find module 'node:fs'/);
        expect(r.errors).toMatch(/error TS\d+: Cannot find name 'Buffer'/);
        // The preload project lists preload/** only and references shared only: reaching into the core is a compile error.
        const p = typecheck('electron/preload/tsconfig.json', 'whole project', [preload]);
        expect(p.listed).toBe(true);
        expect(p.errors).toMatch(/error TS6307: File '.*electron\/core\/data-dir\.ts' is not listed within the file list of project/);
      },
    );
  }, 90_000);
});

describe('npm run lint', () => {
  it('exits non-zero on a probe (real command line, real project service)', async () => {
    const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.lint;
    const [bin, ...args] = script.split(/\s+/);
    expect(bin).toBe('eslint');
    expect(args.at(-1)).toBe('.');
    // The probe goes in on stdin under the path of a real renderer file, so the renderer project
    // types it and nothing appears on disk for a concurrent `eslint .` to trip over.
    const inProject = fs
      .readdirSync(path.join(root, 'renderer/src'), { recursive: true, encoding: 'utf8' })
      .map((file) => `renderer/src/${file.split(path.sep).join('/')}`)
      .find((file) => /\.ts$/.test(file) && !/\.test\.ts$/.test(file));
    expect(inProject).toBeDefined();
    const probe = "import fs from 'node:fs';\nasync function save(): Promise<void> {}\nsave();\nexport const a = fs;\n";
    const { code, output } = await runNode([path.join(root, 'node_modules/eslint/bin/eslint.js'), ...args.slice(0, -1), '--stdin', '--stdin-filename', inProject!], probe);
    expect(code).toBe(1);
    expect(output).toContain(layering);
    expect(output).toContain(floating);
    expect(output).not.toMatch(/Parsing error/);
  }, 120_000);
});

// Lint rules that enforce the layers (see README, Architecture). Each rule is proven by a probe in
// electron/core/architecture.test.ts: a rule nobody has seen fire may be silently off.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import local from './scripts/eslint/code-layering.js';

const coreParts = (...parts) => parts.map((part) => `electron/core/${part}/**`);
const testRunner = ['vitest'];

/**
 * What each folder may import. A file is checked against every layer whose `files` match it.
 * `allowFiles`/`allowPackages`: the import must match one (only when the list is given);
 * `denyFiles`/`denyPackages`: it must match none. Files are repo-relative paths without the
 * .ts/.tsx/.js extension; packages are package names, Node built-ins are `node:<name>`.
 * `tests` adds allowances for *.test.ts(x); `exemptTests` skips the layer for them.
 * test/ (except test/reference-gateway), bench/ and scripts/ are in no layer: they may import anything.
 */
export const layers = [
  {
    name: 'shared',
    files: ['shared/**'],
    allowFiles: ['shared/**'],
    allowPackages: ['zod'],
    tests: { allowPackages: testRunner },
    reason: 'shared/ is pure TypeScript for every process: zod and shared/ only.',
  },
  {
    name: 'renderer',
    files: ['renderer/**'],
    ignores: ['renderer/vite.config.ts'],
    allowFiles: ['renderer/**', 'shared/**'],
    allowPackages: ['react', 'react-dom', 'zustand', '@tanstack/*', 'recharts', 'zod'],
    tests: { allowPackages: [...testRunner, '@testing-library/*', 'happy-dom'] },
    reason: 'The renderer is a sandboxed page: no Node, no Electron, and the core only through renderer/src/ipc.',
  },
  {
    name: 'core',
    files: ['electron/core/**'],
    denyFiles: ['electron/hosts/**', 'electron/main/**', 'electron/preload/**', 'renderer/**'],
    denyPackages: ['electron', 'react', 'react-*'],
    reason: 'The core is UI-free and runs under plain Node; the doors (hosts, main) depend on it, never the reverse.',
  },
  {
    name: 'core/store',
    files: ['electron/core/store/**'],
    exemptTests: true,
    denyFiles: coreParts('services', 'handlers', 'jobs', 'client'),
    reason: 'Repositories sit below services: data flows handler → service → repository.',
  },
  {
    name: 'core/services',
    files: ['electron/core/services/**'],
    exemptTests: true,
    denyFiles: coreParts('handlers', 'client'),
    reason: 'Services sit below handlers and the client.',
  },
  {
    name: 'core/handlers',
    files: ['electron/core/handlers/**'],
    exemptTests: true,
    denyFiles: coreParts('store'),
    reason: 'A handler maps a channel to a service call; it never reaches a repository (type-only imports count).',
  },
  {
    name: 'hosts',
    files: ['electron/hosts/**'],
    // host-capabilities: the port every door fills in (osEncryption, chooseSavePath, …), as main does.
    allowFiles: ['shared/**', 'electron/hosts/**', 'electron/core/client/**', 'electron/core/data-dir', 'electron/core/static-assets', 'electron/core/host-capabilities', 'package.json'],
    tests: { allowFiles: ['electron/core/testing/**'] },
    reason: 'Hosts talk to the core through its client (electron/core/client), not its services, store, handlers or jobs.',
  },
  {
    name: 'main',
    files: ['electron/main/**'],
    allowFiles: ['shared/**', 'electron/main/**', 'electron/core/client/**', 'electron/core/static-assets', 'electron/core/host-capabilities', 'electron/core/publish-file'],
    allowPackages: ['electron', 'node:*'],
    tests: { allowFiles: ['electron/core/testing/**'], allowPackages: testRunner },
    reason: 'The Electron shell is thin: it reaches the core through its client.',
  },
  {
    name: 'preload',
    files: ['electron/preload/**'],
    allowFiles: ['shared/contract/channel-names', 'shared/contract/event-names'],
    allowPackages: ['electron'],
    tests: { allowFiles: ['electron/preload/**'], allowPackages: testRunner },
    reason: 'The sandboxed preload is an allowlist of channel names, nothing else.',
  },
  {
    name: 'reference-gateway',
    files: ['test/reference-gateway/**'],
    allowFiles: ['shared/gateway-protocol/**', 'test/reference-gateway/**'],
    allowPackages: ['better-sqlite3', 'zod', 'node:*'],
    tests: { allowPackages: testRunner },
    reason: 'The reference gateway shares only the wire protocol with Gatehouse, so sync tests against it can never pass by reaching into the app.',
  },
];

const electronOutsideShell = { name: 'electron', message: 'Only the Electron shell (electron/main, electron/preload) may import electron.' };
// importNames also reports `import * as e from 'electron'` and `export * from 'electron'`, so `e.ipcMain` cannot sneak through.
const rawIpc = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Only the IPC wrappers (electron/main/ipc-bridge.ts, electron/preload/preload.ts) touch ipcMain/ipcRenderer.',
};
const electronDefault = {
  name: 'electron',
  importNames: ['default'],
  message: "Import Electron's parts by name: a default import would hand out ipcMain/ipcRenderer by destructuring.",
};
const electronDynamicImport = {
  selector: "ImportExpression[source.value='electron']",
  message: "Import Electron's parts by name, statically: `(await import('electron')).ipcMain` would bypass the raw-IPC ban.",
};

export default tseslint.config(
  // __tsc-probe-*: architecture.test.ts's typecheck probes, on disk for a few seconds; a lint run that
  // listed one and then found it gone would crash.
  { ignores: ['dist/**', 'dist-electron/**', '.tsbuild/**', '.native/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.test-output/**', 'release/**', '.build/**', '**/__tsc-probe-*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } },
    plugins: { local },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'local/code-layering': ['error', { layers }],
      'no-restricted-imports': ['error', { paths: [electronOutsideShell] }],
    },
  },
  {
    // Type-aware: a promise nobody awaits loses its error; an async callback where void is expected
    // (addEventListener, onClick) turns a rejection into an unhandled one.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        // Every .ts/.tsx file belongs to a tsconfig project (config files and shared tests to
        // test/tsconfig.json). Where the nearest tsconfig.json does not list a file (electron/main,
        // shared/**/*.test.ts), the project service follows the root solution's references.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [rawIpc, electronDefault] }] },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', electronDynamicImport] },
  },
  {
    files: ['electron/main/ipc-bridge.ts', 'electron/preload/preload.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronDefault] }] },
  },
);

// Lint rules that enforce the layers (see README, Architecture).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'This layer must not import Node built-ins.' })) };
const electronBan = { name: 'electron', message: 'Only the Electron shell (electron/main, electron/preload) may import electron.' };
const rawIpc = {
  selector: "MemberExpression[object.name=/^ipc(Main|Renderer)$/]",
  message: 'Only the IPC wrappers (electron/main/ipc-bridge.ts, electron/preload/preload.ts) touch ipcMain/ipcRenderer.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist-electron/**', '.tsbuild/**', '.native/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.test-output/**', 'release/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', rawIpc],
      'no-restricted-imports': ['error', { paths: [electronBan] }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronBan, ...noNode.paths, { name: 'react', message: 'shared/ is UI-free.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, ...noNode.paths],
          patterns: [{ group: ['**/electron/**'], message: 'The renderer talks to the core only through renderer/src/ipc.' }],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['electron/main/ipc-bridge.ts', 'electron/preload/preload.ts', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);

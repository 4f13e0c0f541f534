// Bundles the Electron main process, the core's worker and the preload into dist-electron/
// (CommonJS, as Electron's sandboxed preload requires). better-sqlite3 stays external: it is a
// native module, loaded from node_modules (its .node file from app.asar.unpacked when packaged).
// `--outdir DIR` builds elsewhere (the bundle test).
import path from 'node:path';
import { build } from 'esbuild';

const outIndex = process.argv.indexOf('--outdir');
const outdir = outIndex > 0 && process.argv[outIndex + 1] ? path.resolve(process.argv[outIndex + 1]) : 'dist-electron';
const common = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', sourcemap: true, logLevel: 'warning' };
// worker-client.ts reads import.meta.url only when no workerEntry is given; main always gives one.
const noImportMeta = { logOverride: { 'empty-import-meta': 'silent' } };
await Promise.all([
  build({ ...common, ...noImportMeta, entryPoints: ['electron/main/main.ts'], outfile: path.join(outdir, 'main.cjs'), external: ['electron', 'better-sqlite3'] }),
  build({ ...common, entryPoints: ['electron/core/client/core-worker.ts'], outfile: path.join(outdir, 'core-worker.cjs'), external: ['electron', 'better-sqlite3'] }),
  build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: path.join(outdir, 'preload.cjs'), external: ['electron'] }),
]);
console.log(`Built ${['main.cjs', 'core-worker.cjs', 'preload.cjs'].map((f) => path.join(outdir, f)).join(', ')}`);

// Bundles the Electron main process and preload into dist-electron/ (CommonJS, as Electron's
// sandboxed preload requires). better-sqlite3 stays external: it is a native module.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'dist-electron/main.cjs', external: ['electron', 'better-sqlite3'] }),
  build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'dist-electron/preload.cjs', external: ['electron'] }),
]);
console.log('Built dist-electron/main.cjs and dist-electron/preload.cjs');

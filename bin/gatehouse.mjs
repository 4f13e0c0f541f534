#!/usr/bin/env node
// The `gatehouse` bin: runs the prebuilt bundle (.build/cli.mjs, scripts/build-hosts.mjs) when it
// is fresh, rebuilds it when sources changed, and falls back to the TypeScript sources through
// tsx when it cannot build (no esbuild in a production install, a read-only checkout).
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = process.env.GATEHOUSE_BUILD_DIR ? path.resolve(process.env.GATEHOUSE_BUILD_DIR) : path.join(root, '.build');
// Node 22.1+: cache compiled bytecode for the next start.
if (typeof module.enableCompileCache === 'function') {
  try {
    module.enableCompileCache(path.join(outdir, '.compile-cache'));
  } catch {
    // optional speed-up only
  }
}

let bundle = null;
if (process.env.GATEHOUSE_NO_BUNDLE !== '1') {
  try {
    const { isFresh, buildHosts } = await import('../scripts/build-hosts.mjs');
    if (!isFresh(outdir)) await buildHosts(outdir);
    bundle = path.join(outdir, 'cli.mjs');
  } catch (error) {
    if (process.env.GATEHOUSE_DEBUG_BUNDLE === '1') process.stderr.write(`gatehouse: bundle unavailable (${error.message}); using tsx\n`);
  }
}
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../electron/hosts/cli/main.ts');
}

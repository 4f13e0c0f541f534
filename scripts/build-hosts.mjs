// Bundles the CLI and the browser host (ESM, .build/cli.mjs and .build/web.mjs) and the core's
// worker (.build/core-worker.cjs, found by worker-client.ts beside the bundle), so `gatehouse`
// starts without tsx. better-sqlite3 stays external (native). Writes .build/stamp.json: the
// mtime, size and hash of every repo source the bundles were built from; bin/gatehouse.mjs
// rebuilds when it is stale. `--outdir DIR` builds elsewhere (the bundle test).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const defaultOutdir = path.join(repoRoot, '.build');
export const STAMP = 'stamp.json';
const EXTRA_INPUTS = ['package-lock.json', 'scripts/build-hosts.mjs'];

const hashOf = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** web/main.ts finds the repo from import.meta.url: keep it pointing at the source file. */
function sourceUrlPlugin(outdir) {
  return {
    name: 'source-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /electron[\\/]hosts[\\/]web[\\/]main\.ts$/ }, (args) => {
        const rel = path.relative(outdir, args.path).split(path.sep).join('/');
        const text = fs.readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        return { contents: text, loader: 'ts', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

export async function buildHosts(outdir = defaultOutdir) {
  const { build } = await import('esbuild');
  fs.mkdirSync(outdir, { recursive: true });
  const common = { absWorkingDir: repoRoot, bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', metafile: true, write: false, minifyWhitespace: true, minifySyntax: true, external: ['better-sqlite3', 'electron'] };
  // ESM bundles get a real `require` for CommonJS dependencies that call it.
  const banner = { js: "import { createRequire as __ghCreateRequire } from 'node:module'; const require = __ghCreateRequire(import.meta.url);" };
  const results = await Promise.all([
    build({ ...common, format: 'esm', banner, entryPoints: ['electron/hosts/cli/main.ts'], outfile: path.join(outdir, 'cli.mjs') }),
    build({ ...common, format: 'esm', banner, entryPoints: ['electron/hosts/web/main.ts'], outfile: path.join(outdir, 'web.mjs'), plugins: [sourceUrlPlugin(outdir)] }),
    build({ ...common, format: 'cjs', entryPoints: ['electron/core/client/core-worker.ts'], outfile: path.join(outdir, 'core-worker.cjs') }),
  ]);
  const inputs = new Set(EXTRA_INPUTS);
  for (const r of results) {
    for (const f of r.outputFiles) writeAtomic(f.path, f.contents);
    for (const input of Object.keys(r.metafile.inputs)) if (!input.includes('node_modules')) inputs.add(input.split(path.sep).join('/'));
  }
  const files = {};
  for (const rel of [...inputs].sort()) {
    const abs = path.join(repoRoot, rel);
    const st = fs.statSync(abs);
    files[rel] = { mtimeMs: st.mtimeMs, size: st.size, sha256: hashOf(abs) };
  }
  writeAtomic(path.join(outdir, STAMP), JSON.stringify({ node: process.versions.modules, files }));
  return outdir;
}

/** True when every input is unchanged (mtime+size, else same content; then the stamp is refreshed). */
export function isFresh(outdir = defaultOutdir) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(outdir, STAMP), 'utf8'));
  } catch {
    return false;
  }
  if (stamp.node !== process.versions.modules) return false;
  let touched = false;
  for (const [rel, want] of Object.entries(stamp.files)) {
    let st;
    try {
      st = fs.statSync(path.join(repoRoot, rel));
    } catch {
      return false;
    }
    if (st.mtimeMs === want.mtimeMs && st.size === want.size) continue;
    if (st.size !== want.size || hashOf(path.join(repoRoot, rel)) !== want.sha256) return false;
    want.mtimeMs = st.mtimeMs;
    touched = true;
  }
  if (touched) {
    try {
      writeAtomic(path.join(outdir, STAMP), JSON.stringify(stamp));
    } catch {
      // read-only install: still fresh
    }
  }
  for (const f of ['cli.mjs', 'web.mjs', 'core-worker.cjs']) if (!fs.existsSync(path.join(outdir, f))) return false;
  return true;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const i = process.argv.indexOf('--outdir');
  const out = await buildHosts(i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : defaultOutdir);
  console.log(`Built ${out}/{cli.mjs,web.mjs,core-worker.cjs}`);
}

import path from 'node:path';

/**
 * A file to resolve packages from inside an eval'd worker (`createRequire(moduleFrom())`): this
 * module under CommonJS (the Electron bundles), else the entry script (tsx, vitest, the CLI).
 */
export function moduleFrom(): string {
  if (typeof require === 'function' && typeof __filename === 'string') return __filename;
  return path.resolve(process.argv[1] ?? path.join(process.cwd(), 'index.js'));
}

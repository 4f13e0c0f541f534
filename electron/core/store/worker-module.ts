import path from 'node:path';

/**
 * A file to resolve packages from inside an eval'd worker (`createRequire(moduleFrom())`): this
 * module under CommonJS (the Electron bundles), else the entry script (tsx, vitest, the CLI).
 */
export function moduleFrom(): string {
  // Inside an eval'd worker (the core worker under tsx) `__filename` is '[worker eval]': not a file.
  if (typeof require === 'function' && typeof __filename === 'string' && path.isAbsolute(__filename)) return __filename;
  return path.resolve(process.argv[1] ?? path.join(process.cwd(), 'index.js'));
}

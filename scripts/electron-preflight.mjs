// `npm start` preflight: is the Electron binary here, and if not can it be fetched? Answers in one short
// message instead of Electron's stack trace, and before any build work starts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Where the `electron` package will look for its binary, without triggering its download side effect. */
export function electronBinary() {
  const packageDir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const full = override ? path.join(override, relative || 'electron') : relative ? path.join(packageDir, 'dist', relative) : '';
  return { packageDir, path: full, present: full !== '' && fs.existsSync(full), override: Boolean(override) };
}

/** The one line that matters from a failed download (e.g. "fetch failed: getaddrinfo ENOTFOUND github.com"). */
export function downloadProblem(output) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
  const cause = lines.find((line) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|ECONNRESET|certificate/i.test(line));
  const first = lines.find((line) => !line.startsWith('at '));
  return (cause ?? first ?? 'the download did not finish').replace(/^(Error|TypeError|RequestError):\s*/, '').slice(0, 160);
}

export function offlineAdvice(what, problem) {
  return [
    `Gatehouse cannot start the desktop app: ${what} (${problem}).`,
    'It is downloaded once, on the first `npm start` with network; connect and run `npm start` again',
    '(or set ELECTRON_MIRROR, or ELECTRON_OVERRIDE_DIST_PATH to a folder holding Electron).',
    'Meanwhile `npm run web` runs the same app in your browser, offline.',
  ].join('\n');
}

/** Makes sure the Electron binary exists; returns its path or exits with the short message. */
export function ensureElectronBinary() {
  const before = electronBinary();
  if (before.present) return before.path;
  if (!before.override) {
    console.log('Downloading the Electron binary (once)…');
    const result = spawnSync(process.execPath, [path.join(before.packageDir, 'install.js')], { encoding: 'utf8' });
    const after = electronBinary();
    if (result.status === 0 && after.present) return after.path;
    console.error(offlineAdvice('the Electron binary is not downloaded yet', 'download failed: ' + downloadProblem(`${result.stderr}\n${result.stdout}`)));
  } else {
    console.error(offlineAdvice(`no Electron binary at ${before.path}`, 'ELECTRON_OVERRIDE_DIST_PATH'));
  }
  process.exit(1);
}

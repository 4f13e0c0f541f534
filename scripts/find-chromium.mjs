// Where the e2e tier finds a Chromium: an environment variable naming one, the usual system
// packages, then Playwright's own browser cache. Never downloads one (`npx playwright install` is
// not how this project gets a browser).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM_ENV_VARS = ['GATEHOUSE_CHROMIUM', 'CHROME_PATH', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'];

const SYSTEM = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'],
  darwin: ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  win32: [
    path.join(process.env.PROGRAMFILES ?? 'C:\\Program Files', 'Google', 'Chrome', 'Application', 'chrome.exe'),
    path.join(process.env['PROGRAMFILES(X86)'] ?? 'C:\\Program Files (x86)', 'Google', 'Chrome', 'Application', 'chrome.exe'),
  ],
};

function playwrightCaches(env, platform) {
  if (env.PLAYWRIGHT_BROWSERS_PATH && env.PLAYWRIGHT_BROWSERS_PATH !== '0') return [env.PLAYWRIGHT_BROWSERS_PATH];
  const home = os.homedir();
  if (platform === 'darwin') return [path.join(home, 'Library', 'Caches', 'ms-playwright')];
  if (platform === 'win32') return [path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'ms-playwright')];
  return [path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'ms-playwright')];
}

function cachedChromiums(cache, platform) {
  let entries;
  try {
    entries = fs.readdirSync(cache).filter((name) => /^chromium-\d+$/.test(name)).sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  } catch {
    return [];
  }
  const inside =
    platform === 'darwin'
      ? ['chrome-mac/Chromium.app/Contents/MacOS/Chromium', 'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing', 'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing']
      : platform === 'win32'
        ? ['chrome-win/chrome.exe', 'chrome-win64/chrome.exe']
        : ['chrome-linux/chrome', 'chrome-linux64/chrome'];
  return entries.flatMap((entry) => inside.map((rel) => path.join(cache, entry, rel)));
}

/** Every place looked at, in order (for the "none found" message). */
export function chromiumCandidates(env = process.env, platform = process.platform) {
  const fromEnv = CHROMIUM_ENV_VARS.map((name) => env[name]).filter((value) => typeof value === 'string' && value !== '');
  return [...fromEnv, ...(SYSTEM[platform] ?? SYSTEM.linux), ...playwrightCaches(env, platform).flatMap((cache) => cachedChromiums(cache, platform))];
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first usable Chromium, or null. */
export function findChromium(env = process.env, platform = process.platform) {
  return chromiumCandidates(env, platform).find(isExecutable) ?? null;
}

export const NO_CHROMIUM_MESSAGE =
  'e2e: no Chromium found (set GATEHOUSE_CHROMIUM=/path/to/chromium, or install one: `apt-get install -y chromium`, `brew install --cask chromium`); the e2e tier did not run and counts as failed';

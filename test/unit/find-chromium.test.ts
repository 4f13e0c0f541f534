import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumCandidates, findChromium } from '../../scripts/find-chromium.mjs';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-chromium-'));
  temps.push(dir);
  return dir;
}
function executable(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  return file;
}

describe('findChromium', () => {
  it('an environment variable naming an executable wins over everything else', () => {
    const exe = executable(path.join(tempDir(), 'my-chrome'));
    expect(findChromium({ GATEHOUSE_CHROMIUM: exe }, 'linux')).toBe(exe);
  });

  it("finds the newest build in Playwright's cache when nothing else is set", () => {
    const cache = tempDir();
    executable(path.join(cache, 'chromium-1100', 'chrome-linux', 'chrome'));
    const newest = executable(path.join(cache, 'chromium-1200', 'chrome-linux64', 'chrome'));
    const candidates = chromiumCandidates({ PLAYWRIGHT_BROWSERS_PATH: cache }, 'linux');
    expect(candidates.indexOf(newest)).toBeLessThan(candidates.indexOf(path.join(cache, 'chromium-1100', 'chrome-linux', 'chrome')));
    // System packages are looked at before the cache.
    expect(candidates.indexOf('/usr/bin/chromium')).toBeLessThan(candidates.indexOf(newest));
  });

  it('a named file that is not executable is skipped, and nothing usable gives null', () => {
    const dir = tempDir();
    const plain = path.join(dir, 'chrome');
    fs.writeFileSync(plain, 'not a program', { mode: 0o644 });
    const candidates = chromiumCandidates({ GATEHOUSE_CHROMIUM: plain, PLAYWRIGHT_BROWSERS_PATH: dir }, 'win32');
    expect(candidates[0]).toBe(plain);
    expect(findChromium({ GATEHOUSE_CHROMIUM: plain, PLAYWRIGHT_BROWSERS_PATH: dir }, 'win32')).toBeNull();
  });
});

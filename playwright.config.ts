import { defineConfig } from '@playwright/test';
import { findChromium, NO_CHROMIUM_MESSAGE } from './scripts/find-chromium.mjs';

const chromium = findChromium();
if (!chromium) throw new Error(NO_CHROMIUM_MESSAGE);

/**
 * End-to-end tests drive the real renderer through the loopback browser host
 * (electron/hosts/web), one fresh host and data dir per test (see test/e2e/web-host.ts).
 * Chromium is found by scripts/find-chromium.mjs (GATEHOUSE_CHROMIUM, system packages, Playwright's cache);
 * Playwright's own browser download is never used.
 */
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  workers: 2,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: '.test-output/e2e.json' }]],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium' }],
});

import { FuseV1Options } from '@electron/fuses';
import { convertIcon, type IconFormat } from 'app-builder-lib/out/util/iconConverter';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// build/electron-builder.yml as electron-builder itself reads it (its loader and its JSON schema),
// so a misspelt option fails here rather than being ignored at `npm run dist`.
const repo = path.resolve(__dirname, '../..');
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(repo, path.join(repo, 'build/electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
});

/** The electron-builder option for each fuse @electron/fuses knows (RunAsNode → runAsNode, …). */
const fuseOption = (name: string) => name[0]!.toLowerCase() + name.slice(1);
const fuseNames = Object.keys(FuseV1Options).filter((key) => Number.isNaN(Number(key)));

describe('Electron fuses (issue #12, item 1)', () => {
  it('are exactly the hardened set', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });

  it('decide every fuse the installed @electron/fuses knows: a new fuse after an upgrade fails here until it is set', () => {
    expect(fuseNames.length).toBeGreaterThanOrEqual(8);
    for (const name of fuseNames) expect(typeof (config.electronFuses as Record<string, unknown>)[fuseOption(name)], `electronFuses.${fuseOption(name)}`).toBe('boolean');
    expect(Object.keys(config.electronFuses!).sort()).toEqual(fuseNames.map(fuseOption).sort());
  });

  it('are not undone: asar on, no integrity opt-out', () => {
    expect(config.asar ?? true).toBe(true);
    expect(config.disableAsarIntegrity ?? false).toBe(false);
  });
});

describe('what goes into the package (config side; build/pack-offline.mjs checks the result)', () => {
  it('the app files, the binding unpacked, source maps and unused node_modules excluded', () => {
    // The schema validation normalises `files` into one file set.
    const files = (config.files as Array<{ filter: string[] }>).flatMap((set) => set.filter);
    expect(files).toEqual(expect.arrayContaining(['dist/renderer/**', 'dist-electron/**', 'package.json', '!**/*.map']));
    expect(files.some((f) => f.startsWith('!**/node_modules/!(better-sqlite3|bindings|file-uri-to-path)'))).toBe(true);
    expect(config.asarUnpack).toEqual(['**/*.node']);
    expect(config.npmRebuild).toBe(true);
  });
});

describe('installers: targets, metadata, icons', () => {
  it('AppImage and deb, dmg, nsis, with the metadata each needs', () => {
    expect(config.appId).toBe('dev.gatehouse.console');
    expect(config.productName).toBe('Gatehouse');
    expect(config.copyright).toMatch(/Gatehouse/);
    expect(config.linux).toMatchObject({ target: ['AppImage', 'deb'], executableName: 'gatehouse', category: 'Development' });
    expect(config.linux!.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/); // a .deb needs a maintainer address
    expect(config.linux!.synopsis).toBeTruthy();
    expect(config.mac).toMatchObject({ target: 'dmg', category: 'public.app-category.developer-tools', hardenedRuntime: true });
    expect(config.win).toMatchObject({ target: 'nsis' });
    // The data folder (store, provider-key file) survives an uninstall.
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, deleteAppDataOnUninstall: false });
  });

  it('macOS entitlements: JIT only, no disabled library validation (the keychain identity the fuses protect)', () => {
    const plist = fs.readFileSync(path.join(repo, config.mac!.entitlements!), 'utf8');
    expect(config.mac!.entitlementsInherit).toBe(config.mac!.entitlements);
    expect([...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1])).toEqual(['com.apple.security.cs.allow-jit']);
  });

  // electron-builder's own icon resolution, with its icon toolset (a download) pointed at an empty
  // folder: an icon that needed converting would fail here instead of being fetched.
  it.each<[string, IconFormat, () => string | null | undefined, number]>([
    ['linux (AppImage, deb)', 'set', () => config.linux?.icon, 512],
    ['mac (dmg)', 'icns', () => config.mac?.icon, 1024],
    ['win (nsis)', 'ico', () => config.win?.icon, 256],
  ])('%s: the icon is taken as is, no conversion', async (_target, format, icon, largest) => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-no-icon-tool-'));
    const previous = process.env.ELECTRON_BUILDER_ICONS_TOOLSET_DIR;
    process.env.ELECTRON_BUILDER_ICONS_TOOLSET_DIR = empty;
    try {
      const result = await convertIcon({ sources: [icon()!], fallbackSources: [], roots: [path.join(repo, 'build'), repo], format, outDir: path.join(empty, 'out') });
      expect(result.isFallback).toBe(false);
      expect(result.icons.length).toBeGreaterThan(0);
      for (const { file } of result.icons) expect(path.relative(repo, file)).toMatch(/^build\//);
      const images = result.icons.flatMap(({ file }) => embeddedPngSizes(fs.readFileSync(file), format));
      expect(Math.max(...images)).toBe(largest);
      if (format === 'set') expect(result.icons.map((i) => i.size)).toEqual(expect.arrayContaining([16, 32, 48, 64, 128, 256, 512]));
    } finally {
      if (previous === undefined) delete process.env.ELECTRON_BUILDER_ICONS_TOOLSET_DIR;
      else process.env.ELECTRON_BUILDER_ICONS_TOOLSET_DIR = previous;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Width of each PNG image in a PNG, ICO or ICNS file (all of ours embed PNGs); square images only. */
function embeddedPngSizes(bytes: Buffer, format: IconFormat): number[] {
  const pngAt = (offset: number) => {
    expect(bytes.subarray(offset, offset + 8).equals(PNG_SIGNATURE)).toBe(true);
    const width = bytes.readUInt32BE(offset + 16);
    expect(bytes.readUInt32BE(offset + 20)).toBe(width);
    return width;
  };
  if (format === 'set') return [pngAt(0)];
  if (format === 'ico') {
    return Array.from({ length: bytes.readUInt16LE(4) }, (_, i) => {
      const entry = 6 + i * 16;
      const width = pngAt(bytes.readUInt32LE(entry + 12));
      expect(bytes[entry] || 256).toBe(width);
      return width;
    });
  }
  expect(bytes.toString('ascii', 0, 4)).toBe('icns');
  expect(bytes.readUInt32BE(4)).toBe(bytes.length);
  const sizes: number[] = [];
  for (let offset = 8; offset < bytes.length; offset += bytes.readUInt32BE(offset + 4)) sizes.push(pngAt(offset + 8));
  return sizes;
}

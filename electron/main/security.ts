/**
 * Pure security rules for the Electron shell. Kept free of Electron imports so tests can check
 * them directly; `main.ts` wires them to the real objects.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import type { Sender } from '../core/client/core-client';

export const APP_SCHEME = 'app';
export const APP_HOST = 'gatehouse';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The only external sites a link may open in the user's browser. */
export const EXTERNAL_URL_ALLOWLIST: readonly string[] = ['https://github.com/', 'https://docs.github.com/'];

function parse(url: string | null | undefined): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * A sender is trusted only if its frame shows our own page. A custom scheme's `origin` is the
 * string "null", so protocol and host are compared instead.
 */
export function isTrustedFrameUrl(url: string | null | undefined): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/** The Electron door's trust rule for the shared pipeline. */
export function isTrustedElectronSender(sender: Sender): boolean {
  return sender.kind === 'electron' && isTrustedFrameUrl(sender.frameUrl);
}

/** In-app navigation is allowed only within our own page; everything else is refused. */
export function isAllowedNavigation(url: string): boolean {
  return isTrustedFrameUrl(url);
}

export function isAllowedExternalUrl(url: string): boolean {
  const parsed = parse(url);
  if (!parsed || parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  return EXTERNAL_URL_ALLOWLIST.some((prefix) => parsed.href.startsWith(prefix));
}

export function buildWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    title: 'Gatehouse',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

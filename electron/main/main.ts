import { app, BrowserWindow, dialog, ipcMain, net, protocol, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCore, type Core } from '../core/core';
import { APP_CSP, resolveStaticAsset } from '../core/static-assets';
import { registerIpcHandlers } from './ipc-bridge';
import {
  APP_ENTRY_URL,
  APP_HOST,
  APP_SCHEME,
  buildWindowOptions,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedElectronSender,
} from './security';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let core: Core | null = null;
let mainWindow: BrowserWindow | null = null;

function rendererDir(): string {
  return path.join(app.getAppPath(), 'dist', 'renderer');
}

function serveAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? resolveStaticAsset(rendererDir(), url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', APP_CSP);
    return new Response(response.body, { status: response.status, headers });
  });
}

function installGuards(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

/** CSV exports: the native save dialog, attached to the window; null when dismissed. */
async function chooseSavePath(suggestedName: string): Promise<string | null> {
  const options = { defaultPath: path.join(app.getPath('downloads'), suggestedName), filters: [{ name: 'CSV', extensions: ['csv'] }] };
  const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}

function createWindow(): void {
  mainWindow = new BrowserWindow(buildWindowOptions(path.join(__dirname, 'preload.cjs')));
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  void mainWindow.loadURL(APP_ENTRY_URL);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.whenReady().then(() => {
    core = createCore({
      dataDir: process.env.GATEHOUSE_DATA_DIR ?? app.getPath('userData'),
      appVersion: app.getVersion(),
      nativeBinding: process.env.GATEHOUSE_SQLITE_BINDING,
      isTrustedSender: isTrustedElectronSender,
      // Provider secrets: the OS keychain when safeStorage has a real backend (the core checks).
      capabilities: { osEncryption: safeStorage, chooseSavePath },
    });
    registerIpcHandlers(ipcMain, core.dispatcher);
    installGuards();
    serveAppProtocol();
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  }).catch((error: unknown) => {
    // e.g. a database written by a newer Gatehouse: say so and stop, changing nothing.
    dialog.showErrorBox('Gatehouse cannot start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => core?.close());
}

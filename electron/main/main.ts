import { app, BrowserWindow, dialog, net, protocol, safeStorage, session, shell, type OpenDialogOptions } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CoreClient } from '../core/client/core-client';
import { createWorkerClient } from '../core/client/worker-client';
import type { HostCapabilities } from '../core/host-capabilities';
import { APP_CSP, resolveStaticAsset } from '../core/static-assets';
import { installGracefulQuit } from './graceful-quit';
import { forwardCoreEvents, registerIpcHandlers } from './ipc-bridge';
import { createLegacyDecryptor, loadOsDataKey } from './os-data-key';
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

let client: CoreClient | null = null;
let mainWindow: BrowserWindow | null = null;

function rendererDir(): string {
  return path.join(app.getAppPath(), 'dist', 'renderer');
}

/** The bundled worker next to main.cjs (dist-electron/); from sources (tests) the client finds its own. */
function workerEntry(): string | undefined {
  const bundled = path.join(__dirname, 'core-worker.cjs');
  return fs.existsSync(bundled) ? bundled : undefined;
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

/** Exports and backups: the native save dialog, attached to the window; null when dismissed. */
async function chooseSavePath({ suggestedName }: { suggestedName: string }): Promise<string | null> {
  // CSV exports, or a `.ghbackup` archive (backup:create).
  const backup = suggestedName.endsWith('.ghbackup');
  const options = { defaultPath: path.join(app.getPath('downloads'), suggestedName), filters: [backup ? { name: 'Gatehouse backup', extensions: ['ghbackup'] } : { name: 'CSV', extensions: ['csv'] }] };
  const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}

/** Usage import: the native open dialog for one file; null when dismissed. */
async function chooseOpenPath({ title, extensions }: { title: string; extensions: string[] }): Promise<string | null> {
  const options: OpenDialogOptions = {
    title,
    properties: ['openFile'],
    filters: extensions.length > 0 ? [{ name: extensions.map((e) => e.toUpperCase()).join(', '), extensions }] : [],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** Provider secrets: unwrap the OS-protected data key here, once; the worker encrypts with it. */
function osEncryptionCapabilities(dataDir: string): Pick<HostCapabilities, 'osDataKey' | 'decryptLegacy'> {
  try {
    const outcome = loadOsDataKey(dataDir, safeStorage);
    if (outcome.state !== 'ready') {
      if (outcome.state === 'unreadable') console.error(`[gatehouse] provider secrets: ${outcome.reason}`);
      return {};
    }
    return { osDataKey: outcome.dataKey, decryptLegacy: createLegacyDecryptor(safeStorage) };
  } catch (error) {
    // e.g. a read-only data folder: the core falls back to the key file and says so.
    console.error(`[gatehouse] provider secrets: the OS data key could not be prepared (${error instanceof Error ? error.message : String(error)})`);
    return {};
  }
}

function createWindow(): void {
  mainWindow = new BrowserWindow(buildWindowOptions(path.join(__dirname, 'preload.cjs')));
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  void mainWindow.loadURL(APP_ENTRY_URL);
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function start(): Promise<void> {
  await app.whenReady();
  const dataDir = process.env.GATEHOUSE_DATA_DIR ?? app.getPath('userData');
  let started = false;
  const osCapabilities = osEncryptionCapabilities(dataDir);
  client = await createWorkerClient({
    dataDir,
    appVersion: app.getVersion(),
    nativeBinding: process.env.GATEHOUSE_SQLITE_BINDING,
    isTrustedSender: isTrustedElectronSender,
    workerEntry: workerEntry(),
    capabilities: { chooseSavePath, chooseOpenPath, ...osCapabilities },
    onCrash: (error) => {
      // Before the store opened, start()'s rejection reports it instead.
      if (!started) return;
      dialog.showErrorBox('Gatehouse stopped', `The Gatehouse core stopped unexpectedly: ${error.message}`);
      app.quit();
    },
  });
  started = true;
  // The worker holds its own copy now; main has no further use for the unwrapped key (best effort).
  osCapabilities.osDataKey?.key.fill(0);
  const opened = client;
  installGracefulQuit(app, { close: () => opened.close(), onProblem: (message) => console.error(`[gatehouse] ${message}`) });
  registerIpcHandlers(opened);
  forwardCoreEvents(opened, () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : null));
  installGuards();
  serveAppProtocol();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
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
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  start().catch((error: unknown) => {
    // e.g. a database written by a newer Gatehouse, or a store that cannot be opened: say so and stop.
    dialog.showErrorBox('Gatehouse cannot start', errorMessage(error));
    app.exit(1);
  });
}

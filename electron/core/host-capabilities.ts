/**
 * What a door (Electron shell, CLI, browser host) can offer the core beyond plain Node.
 * The core never imports `electron`; the door passes these in. For a core in a worker every
 * function here is a request to the door over the port (see client/worker-protocol.ts).
 */
export interface HostCapabilities {
  /**
   * OS-backed encryption (Electron `safeStorage`), for a core running in the shell's own thread.
   * Absent in the CLI and the browser host, where provider secrets use the data dir's key file.
   */
  osEncryption?: {
    isEncryptionAvailable(): boolean;
    /** Linux: `basic_text` means no real keyring (weak); other values or platforms: strong. */
    getSelectedStorageBackend?(): string;
    encryptString(plain: string): Buffer;
    decryptString(cipher: Buffer): string;
  };
  /**
   * Envelope encryption for a core in a worker: the shell unwraps one 32-byte data key with the
   * OS keychain at start and hands it over, so encryption inside transactions stays synchronous.
   * `backend` is the keychain backend (Linux `basic_text` means no real keyring).
   */
  osDataKey?: { key: Buffer; backend?: string | undefined };
  /**
   * Desktop: decrypts `os-keychain` rows written by earlier versions directly with safeStorage, so
   * the core can move them onto the data key once. One result per blob, in order; null where the
   * OS refuses. The results stay in memory between the door and the core, never in a log.
   */
  decryptLegacy?: (blobs: Uint8Array[]) => Promise<Array<string | null>>;
  /**
   * Where to write an export. Desktop: the save dialog (null when dismissed). CLI: its `--out`.
   * Browser host: a file in the host's own downloads folder, served once to the browser.
   * Absent: exports cannot be written by this door.
   */
  chooseSavePath?: (request: { suggestedName: string; jobId: string }) => Promise<string | null>;
  /** True when the door hands saved exports to its user as a download (browser host). */
  savesForDownload?: boolean;
  /** A file to read (usage import). Desktop: the open dialog. CLI: the FILE argument. */
  chooseOpenPath?: (request: { title: string; extensions: string[] }) => Promise<string | null>;
  /** Browser host: the temp file behind an upload id (null when unknown or expired). */
  resolveUpload?: (uploadId: string) => Promise<string | null>;
  /** Browser host: the core is done with an upload; the door deletes its temp file. */
  releaseUpload?: (uploadId: string) => Promise<void>;
}

/** The door requests a core in a worker can make over the port. */
export const HOST_REQUESTS = ['chooseSavePath', 'chooseOpenPath', 'resolveUpload', 'releaseUpload', 'decryptLegacy'] as const;
export type HostRequestName = (typeof HOST_REQUESTS)[number];

/**
 * What a door (Electron shell, CLI, browser host) can offer the core beyond plain Node.
 * The core never imports `electron`; the shell passes these in.
 */
export interface HostCapabilities {
  /**
   * OS-backed encryption (Electron `safeStorage`). Absent in the CLI and the browser host,
   * where provider secrets fall back to the data dir's local key file.
   */
  osEncryption?: {
    isEncryptionAvailable(): boolean;
    /** Linux: `basic_text` means no real keyring (weak); other values or platforms: strong. */
    getSelectedStorageBackend?(): string;
    encryptString(plain: string): Buffer;
    decryptString(cipher: Buffer): string;
  };
  /**
   * Asks the user where to save a file (Electron save dialog); resolves null when cancelled.
   * Absent → exports are offered to the renderer as a download instead.
   */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
  /** Asks the user for a file to read (Electron open dialog); resolves null when cancelled. */
  chooseOpenPath?: (options: { title: string; extensions: string[] }) => Promise<string | null>;
  /**
   * Envelope encryption for a core in a worker: the shell unwraps one 32-byte data key with the
   * OS keychain at start and hands it over, so encryption inside transactions stays synchronous.
   * `backend` is the keychain backend (Linux `basic_text` means no real keyring).
   */
  osDataKey?: { key: Buffer; backend?: string | undefined };
}

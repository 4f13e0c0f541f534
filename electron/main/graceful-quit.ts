/**
 * Quitting waits for the core's worker: running jobs are cancelled and stop at their next chunk
 * boundary, the store closes cleanly, then the app exits. No Electron import, so tests drive it
 * with a stand-in `app`.
 */

/** The parts of Electron's `app` used here. */
export interface QuittableApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  exit(code?: number): void;
}

export interface GracefulQuitOptions {
  /** Closes the core (CoreClient.close): cancels jobs, waits for them, closes the store. */
  close: () => Promise<void>;
  /** Exit anyway after this long: a stuck worker must not keep the app alive (default 10 s). */
  timeoutMs?: number;
  /** Called when closing failed or timed out (the app still exits). */
  onProblem?: (message: string) => void;
}

export const QUIT_TIMEOUT_MS = 10_000;

/**
 * The first `before-quit` is held back (preventDefault) while the core closes; later ones during
 * that time are held back too and start nothing new. `app.exit` then ends the app without emitting
 * `before-quit` again. Returns a promise for tests: it settles once `app.exit` was called.
 */
export function installGracefulQuit(app: QuittableApp, options: GracefulQuitOptions): { readonly exited: Promise<void> } {
  let exiting: Promise<void> | null = null;
  let exitedResolve: () => void = () => {};
  const exited = new Promise<void>((resolve) => (exitedResolve = resolve));

  const closeWithin = async (): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? QUIT_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([options.close().then(() => 'closed' as const), timeout]);
      if (outcome === 'timeout') options.onProblem?.('The Gatehouse core did not close in time; quitting anyway');
    } catch (error) {
      options.onProblem?.(`Closing the Gatehouse core failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  };

  app.on('before-quit', (event) => {
    event.preventDefault();
    if (exiting) return;
    exiting = closeWithin().then(() => {
      app.exit(0);
      exitedResolve();
    });
  });
  return { exited };
}

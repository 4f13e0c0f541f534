import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkerClientOptions } from '../../core/client/worker-client';

/** What a door offers the core (the door half of electron/core/host-capabilities.ts, minus OS encryption). */
export type DoorCapabilities = NonNullable<WorkerClientOptions['capabilities']>;

/**
 * The browser host's own folders, one set per launch:
 * `<tmp>/gatehouse-web-XXXXXX/` (0700) with `downloads/` (finished exports waiting for their one
 * download) and `uploads/` (usage CSVs streamed in for an import). They live in the OS temp dir,
 * not in the data dir: they are transient files of this launch (served to this launch's tab, with
 * this launch's token), so they must not grow the store's folder, be picked up by a backup of it,
 * or be seen by another host on the same data dir. `mkdtemp` makes the name unguessable and the
 * folder private to this user; `remove()` deletes it at exit. (TMPDIR moves it, e.g. off a
 * RAM-backed /tmp for 2 GiB uploads.)
 */
export interface WebHostFolders {
  root: string;
  downloadsDir: string;
  uploadsDir: string;
  /** Deletes the folders and everything in them (at exit). */
  remove(): void;
}

export function createWebHostFolders(parent: string = os.tmpdir()): WebHostFolders {
  const root = fs.mkdtempSync(path.join(parent, 'gatehouse-web-'));
  fs.chmodSync(root, 0o700);
  const downloadsDir = path.join(root, 'downloads');
  const uploadsDir = path.join(root, 'uploads');
  fs.mkdirSync(downloadsDir, { mode: 0o700 });
  fs.mkdirSync(uploadsDir, { mode: 0o700 });
  return { root, downloadsDir, uploadsDir, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export const JOB_ID = /^job-[a-f0-9]{16}$/;
export const UPLOAD_ID = /^upl-[a-f0-9]{32}$/;

/** Where a browser-host export is written (and later served from, once). */
export function downloadPath(downloadsDir: string, jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new Error('Not a job ID');
  return path.join(downloadsDir, `${jobId}.csv`);
}

/** Where a finished upload waits for its import. */
export function uploadPath(uploadsDir: string, uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw new Error('Not an upload ID');
  return path.join(uploadsDir, `${uploadId}.csv`);
}

/**
 * The browser host's capabilities for the core: exports go to `<downloadsDir>/<jobId>.csv` and
 * are handed to the browser as a download; usage imports read an upload by its ID.
 */
export function webHostCapabilities(folders: { downloadsDir: string; uploadsDir: string }): DoorCapabilities {
  return {
    chooseSavePath: ({ jobId }) => Promise.resolve(downloadPath(folders.downloadsDir, jobId)),
    savesForDownload: true,
    resolveUpload: async (uploadId) => {
      if (!UPLOAD_ID.test(uploadId)) return null;
      const file = uploadPath(folders.uploadsDir, uploadId);
      try {
        // Touch it: the hourly sweep removes uploads by age, and this one is in use from now on.
        const now = new Date();
        await fs.promises.utimes(file, now, now);
        return file;
      } catch {
        return null;
      }
    },
    releaseUpload: async (uploadId) => {
      if (UPLOAD_ID.test(uploadId)) await fs.promises.rm(uploadPath(folders.uploadsDir, uploadId), { force: true });
    },
  };
}

/** Uploads nobody imported and exports nobody downloaded are removed after this long. */
export const STALE_FILE_MS = 60 * 60 * 1000;

/** Removes files in `dir` not modified for `maxAgeMs`. Never throws. */
export function removeStaleFiles(dir: string, maxAgeMs: number = STALE_FILE_MS, now: number = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const stat = fs.statSync(file);
      if (stat.isFile() && now - stat.mtimeMs > maxAgeMs) {
        fs.rmSync(file, { force: true });
        removed.push(name);
      }
    } catch {
      /* gone already */
    }
  }
  return removed;
}

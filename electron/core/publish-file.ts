import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './data-dir';

/**
 * Publishes `content` at `file` atomically, once: a fully written temp file (created with `mode`,
 * exactly, whatever the umask) is hard-linked into place, which fails with EEXIST when another
 * process won the race — then the winner's file is the one used. The folder (the data dir) is
 * created owner-only. Returns true when this call created the file.
 */
export function publishFileOnce(file: string, content: Buffer | string, mode = PRIVATE_FILE_MODE): boolean {
  ensurePrivateDir(path.dirname(file));
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    try {
      if (process.platform !== 'win32') fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Publishes `content` at `file` atomically, once: a fully written temp file (created with `mode`)
 * is hard-linked into place, which fails with EEXIST when another process won the race — then the
 * winner's file is the one used. Returns true when this call created the file.
 */
export function publishFileOnce(file: string, content: Buffer | string, mode = 0o600): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temp, content, { mode, flag: 'wx' });
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import { admitPost, DRAIN_LIMITS, refuseTooLarge, refuseTooSlow, sendError, sendJson, type DrainLimits } from './http-util';
import { uploadPath } from './host-folders';

/** The largest upload the browser host accepts (a usage CSV for one import). */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
export const UPLOAD_TOO_LARGE = 'The file is larger than 2 GiB, the most the browser host accepts; split it, or import it with `gatehouse usage import FILE`';
/** An upload that moves no byte (from the client, or to the disk) for this long is given up. */
export const UPLOAD_IDLE_TIMEOUT_MS = 30_000;
export const UPLOAD_STALLED = 'The upload stopped arriving; nothing was kept. Try again';

/**
 * POST /api/uploads: the raw file as the request body, streamed (with backpressure) to
 * `<uploadsDir>/<uploadId>.csv.part` (0600), renamed to `<uploadId>.csv` once complete, and
 * answered `{ok: true, data: {uploadId, bytes}}`. Over the cap: 413 with an E_LIMIT body, sent
 * before reading further when Content-Length says so, else as soon as the count passes the cap.
 * A client that goes away mid-upload leaves nothing behind; so does one that stalls: no time limit
 * while the upload makes progress, 408 once nothing has moved for `idleTimeoutMs`.
 */
export function receiveUpload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: { uploadsDir: string; tokenValid: boolean; maxBytes?: number; idleTimeoutMs?: number; drain?: DrainLimits },
): void {
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  const idleMs = options.idleTimeoutMs ?? UPLOAD_IDLE_TIMEOUT_MS;
  const drain = options.drain ?? DRAIN_LIMITS;
  if (!admitPost(req, res, options.tokenValid, maxBytes, UPLOAD_TOO_LARGE, drain)) return;

  const uploadId = `upl-${randomBytes(16).toString('hex')}`;
  const target = uploadPath(options.uploadsDir, uploadId);
  const partial = `${target}.part`;
  const file = fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  let received = 0;
  let state: 'receiving' | 'refused' | 'failed' | 'done' = 'receiving';

  // No time limit while bytes move (from the client, or onto the disk); a stall gets 408.
  const idle = setTimeout(() => {
    if (state !== 'receiving') return;
    state = 'failed';
    req.removeListener('data', onData);
    discard();
    refuseTooSlow(req, res, UPLOAD_STALLED);
  }, idleMs);
  idle.unref();
  const discard = () => {
    clearTimeout(idle);
    file.destroy();
    fs.rm(partial, { force: true }, () => {});
  };
  const onData = (chunk: Buffer) => {
    if (state !== 'receiving') return;
    idle.refresh();
    received += chunk.length;
    if (received > maxBytes) {
      state = 'refused';
      req.removeListener('data', onData);
      discard();
      refuseTooLarge(req, res, UPLOAD_TOO_LARGE, drain);
      return;
    }
    if (!file.write(chunk)) req.pause();
  };
  file.on('drain', () => {
    if (state !== 'receiving') return;
    idle.refresh(); // the disk moved: a slow disk is progress too
    req.resume();
  });
  file.on('error', (error: NodeJS.ErrnoException) => {
    if (state !== 'receiving') return;
    state = 'failed';
    req.removeListener('data', onData);
    discard();
    const full = error.code === 'ENOSPC' || error.code === 'EDQUOT';
    const message = full ? 'The disk is full: the upload could not be stored; free some space and try again' : 'The upload could not be stored on this computer';
    // The rest of the body is dropped as with a 413, so the client reads this answer, not a reset.
    if (full) refuseTooLarge(req, res, message, drain);
    else {
      req.resume();
      sendError(res, 500, 'E_STORAGE', message, { Connection: 'close' });
    }
  });
  req.on('data', onData);
  req.on('end', () => {
    if (state !== 'receiving') return;
    clearTimeout(idle);
    file.end(() => {
      if (state !== 'receiving') return;
      fs.rename(partial, target, (error) => {
        if (error) {
          state = 'failed';
          discard();
          sendError(res, 500, 'E_STORAGE', 'The upload could not be stored on this computer');
          return;
        }
        state = 'done';
        sendJson(res, 200, { ok: true, data: { uploadId, bytes: received } });
      });
    });
  });
  // The client went away before the body ended: nothing is kept.
  req.on('close', () => {
    if (state === 'receiving' && !req.complete) {
      state = 'failed';
      discard();
    }
  });
}

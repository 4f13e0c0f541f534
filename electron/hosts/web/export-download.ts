import fs from 'node:fs';
import type http from 'node:http';
import type { Core } from '../../core/core';
import { downloadPathFor } from '../../core/services/export-jobs';

const EXPORT_PATH = /^\/api\/exports\/(exp-[a-f0-9]{16})$/;

export function isExportDownloadPath(pathname: string): boolean {
  return pathname.startsWith('/api/exports/');
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * GET /api/exports/<jobId>: a finished browser-host export, served once (bearer token required)
 * and deleted after it was sent. The file is claimed by a rename first, so a second request
 * for the same export gets 404 instead of racing the first.
 */
export function serveExportDownload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  core: Core,
  tokenValid: boolean,
  pathname: string,
  security: Record<string, string>,
): void {
  if (req.method !== 'GET') {
    res.writeHead(405, { ...security, Allow: 'GET' }).end();
    return;
  }
  if (!tokenValid) {
    res.writeHead(401, { ...security, 'Content-Type': 'text/plain' }).end('Missing or wrong token');
    return;
  }
  const jobId = EXPORT_PATH.exec(pathname)?.[1];
  const status = jobId ? core.dispatcher.dispatch('exports:status', { jobId }, { kind: 'web', tokenValid }) : null;
  if (!jobId || !status?.ok) {
    res.writeHead(404, { ...security, 'Content-Type': 'text/plain' }).end('No such export');
    return;
  }
  const { state, downloadable, fileName } = status.data as { state: string; downloadable: boolean; fileName: string };
  const file = downloadPathFor(core.dataDir, jobId);
  const claimed = `${file}.sending`;
  try {
    if (state !== 'done' || !downloadable) throw new Error('not ready');
    fs.renameSync(file, claimed);
  } catch {
    res.writeHead(404, { ...security, 'Content-Type': 'text/plain' }).end('This export is not ready or was already downloaded');
    return;
  }
  const remove = () => fs.rm(claimed, { force: true }, () => {});
  res.writeHead(200, {
    ...security,
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Length': String(fs.statSync(claimed).size),
    'Content-Disposition': contentDisposition(fileName),
  });
  const stream = fs.createReadStream(claimed);
  stream.on('error', () => res.destroy());
  res.on('close', remove);
  stream.pipe(res);
}

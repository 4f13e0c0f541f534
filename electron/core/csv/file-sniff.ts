import fs from 'node:fs';
import { AppError } from '../../../shared/contract/errors';

/**
 * Tells a CSV (UTF-8 text) from a file that is not one, from its first bytes, so an import of a
 * spreadsheet, an archive or a binary says "this is not a CSV file" instead of a parser message that
 * quotes the binary. Known signatures are named (the admin picked the wrong export), anything else
 * with NUL bytes or invalid UTF-8 is "binary data".
 */
const SNIFF_BYTES = 8192;

const SIGNATURES: ReadonlyArray<[bytes: number[], what: string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (an .xlsx workbook is one: save it as CSV UTF-8 first)'],
  [[0x1f, 0x8b], 'a gzip archive (decompress it first)'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'],
  [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'an old Excel/Office file (save it as CSV UTF-8 first)'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x7f, 0x45, 0x4c, 0x46], 'a program (ELF)'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00], 'an SQLite database'],
  [[0x47, 0x48, 0x42, 0x41, 0x43, 0x4b, 0x55, 0x50], 'a Gatehouse backup (restore it in Settings → Backups)'],
  [[0xff, 0xfe], 'UTF-16 text (save it as CSV UTF-8)'],
  [[0xfe, 0xff], 'UTF-16 text (save it as CSV UTF-8)'],
];

/** What the first bytes say the file is, or null when they look like UTF-8 text. */
export function describeNonText(head: Buffer): string | null {
  for (const [bytes, what] of SIGNATURES) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return what;
  }
  if (head.indexOf(0) !== -1) return 'binary data';
  // A multi-byte character may be cut at the end of the sample: drop up to 3 trailing bytes of it.
  let end = head.length;
  if (head.length === SNIFF_BYTES) {
    for (let i = 1; i <= 3 && end - i >= 0; i++) {
      const byte = head[end - i]!;
      if ((byte & 0xc0) === 0xc0) {
        end -= i;
        break;
      }
      if ((byte & 0x80) === 0) break;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
  } catch {
    return 'not UTF-8 text (save it as CSV UTF-8)';
  }
  return null;
}

/** Throws E_VALIDATION on `field` when the file is not a CSV (text) file. */
export async function assertCsvFile(file: string, field = 'csv'): Promise<void> {
  const handle = await fs.promises.open(file, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const what = describeNonText(head);
  if (what) throw AppError.field('E_VALIDATION', field, `This is not a CSV file: it looks like ${what}. Nothing was imported.`);
}

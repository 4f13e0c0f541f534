import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/temp-core';
import { assertCsvFile, describeNonText } from './file-sniff';

const dir = makeTempDir('gatehouse-sniff-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Buffer | string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

describe('assertCsvFile', () => {
  it.each([
    ['gzip', zlib.gzipSync('id,time\n1,2\n'), /gzip archive/],
    ['zip / xlsx', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40, 1)]), /ZIP archive .*xlsx/],
    ['pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n'), /PDF document/],
    ['sqlite', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(84)]), /SQLite database/],
    ['a Gatehouse backup', Buffer.concat([Buffer.from('GHBACKUP'), Buffer.from([1, 0, 0])]), /Gatehouse backup .*restore it/],
    ['elf', fs.readFileSync(process.execPath).subarray(0, 4096), /program \(ELF\)/],
    ['utf-16', Buffer.from('\ufeffid,time\n', 'utf16le'), /UTF-16/],
    ['a NUL in text', Buffer.from('id,time\0\n'), /binary data/],
    ['latin-1', Buffer.from('id,workspace\n1,caf\xe9\n', 'latin1'), /not UTF-8/],
  ])('%s → "this is not a CSV file", naming what it looks like', async (_name, bytes, what) => {
    const file = write(`f-${_name.replace(/\W+/g, '-')}`, bytes);
    await expect(assertCsvFile(file)).rejects.toMatchObject({
      code: 'E_VALIDATION',
      issues: [{ path: 'csv', message: expect.stringMatching(/^This is not a CSV file: it looks like /) }],
    });
    await expect(assertCsvFile(file)).rejects.toMatchObject({ issues: [{ message: expect.stringMatching(what) }] });
  });

  it('accepts UTF-8 text, with or without a BOM, empty, and a multi-byte character cut by the sample', async () => {
    await expect(assertCsvFile(write('plain.csv', 'id,time\n1,2\n'))).resolves.toBeUndefined();
    await expect(assertCsvFile(write('bom.csv', '\ufeffid,time\n'))).resolves.toBeUndefined();
    await expect(assertCsvFile(write('empty.csv', ''))).resolves.toBeUndefined();
    // 8191 ASCII bytes, then a 3-byte character straddling the 8192-byte sample.
    await expect(assertCsvFile(write('cut.csv', `${'a'.repeat(8191)}€\n`))).resolves.toBeUndefined();
    expect(describeNonText(Buffer.from('wörkspace,€,日本\n'))).toBeNull();
  });
});

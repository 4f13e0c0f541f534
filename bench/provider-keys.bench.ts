// `npm run bench provider-keys`: what encryption at rest costs, against baselines measured in the same run.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { MAX_PROVIDER_KEYS } from '../shared/domain/provider-key-rules';
import { createKeyFileBox } from '../electron/core/services/secret-box';
import { fakeOsEncryption } from '../electron/core/testing/fake-os-encryption';
import { makeTempDir, openTestCore } from '../electron/core/testing/temp-core';
import { timePerCall } from './bench-timing';

const time = timePerCall; // microseconds per call

console.log(`cores: ${os.cpus().length}, node ${process.version}, medians of 7 runs`);
const secret = `sk-proj-${'x'.repeat(56)}`;

// One secret through the key-file box (stat of the key file + AES-256-GCM) vs hashing it (what API keys store).
{
  const dir = makeTempDir('gatehouse-bench-box-');
  const box = createKeyFileBox(dir);
  const blob = box.encrypt(secret, 'ctx');
  const hashUs = time(() => createHash('sha256').update(secret).digest('hex'), 20_000);
  const encryptUs = time(() => box.encrypt(secret, 'ctx'), 20_000);
  const decryptUs = time(() => box.decrypt(blob, 'ctx'), 20_000);
  console.log(`SHA-256 of a 64-char secret (baseline)           ${hashUs.toFixed(2)} µs`);
  console.log(`key-file box encrypt (AES-256-GCM, random IV)    ${encryptUs.toFixed(2)} µs  (${(encryptUs / hashUs).toFixed(1)}× hash)`);
  console.log(`key-file box decrypt (incl. key file stat)       ${decryptUs.toFixed(2)} µs  (${(decryptUs / hashUs).toFixed(1)}× hash)`);
  fs.rmSync(dir, { recursive: true, force: true });
}

// providerKeys:list at the key limit decrypts every row to report whether this door can read it.
// Baseline: the same rows by raw SQL with no decryption, and keys:list (20 rows) through the same pipeline.
for (const [name, capabilities] of [
  ['local key file', undefined],
  ['OS keychain (fake safeStorage, in-process)', { osEncryption: fakeOsEncryption() }],
] as const) {
  const core = openTestCore(capabilities ? { capabilities } : {});
  for (let i = 0; i < MAX_PROVIDER_KEYS; i++) core.ok('providerKeys:create', { vendor: i % 2 ? 'OpenAI' : 'Anthropic', label: `key ${i}`, secret: `${secret}${i}` });
  const raw = core.db.prepare('SELECT id, vendor, label, last4, scheme, version, created_at, updated_at FROM provider_keys ORDER BY vendor, label_key, id');
  const rawUs = time(() => raw.all(), 200);
  const listUs = time(() => core.dispatcher.dispatch('providerKeys:list', {}, { kind: 'cli' }), 200);
  console.log(`[${name}] ${MAX_PROVIDER_KEYS} keys, raw SQL without decryption (baseline)  ${(rawUs / 1000).toFixed(2)} ms`);
  console.log(`[${name}] providerKeys:list, full pipeline + decrypt check      ${(listUs / 1000).toFixed(2)} ms  (${(listUs / rawUs).toFixed(1)}× raw)`);
  core.dispose();
}

/**
 * Writes test/crypto/stream_vectors.json: version-1 sealed files from seeded randomness, with their content key and
 * plaintexts. Run once (`npx tsx test/crypto/make_stream_vectors.ts`) when the format was defined; never again —
 * later builds must open these files and reproduce them byte for byte (test/crypto/stream.test.ts).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { sealWeights } from '../../src/crypto/stream.js';
import { seededBytes } from './fixtures.js';

const target = new URL('./stream_vectors.json', import.meta.url);
if (existsSync(target) && !process.argv.includes('--force')) throw new Error(`${target.pathname} exists: vectors are written once (--force to overwrite)`);

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const contentKey = seededBytes(201)(32);
const cases = [
  { name: 'empty.bin', chunkBytes: 4096, plaintextBytes: 0 },
  { name: 'weights.bin', chunkBytes: 4096, plaintextBytes: 8192 },
  { name: 'group1-shard1of2.bin', chunkBytes: 4096, plaintextBytes: 9216 },
  { name: 'weights.bin', chunkBytes: 1048576, plaintextBytes: 100 },
];
const out = {
  '//': 'Version-1 sealed weights (src/crypto/stream.ts) written once from seeded randomness by make_stream_vectors.ts. Never regenerate: later versions must still open them. saltSeed: seededBytes(saltSeed) from fixtures.ts is the randomBytes that sealed the file.',
  contentKey: hex(contentKey),
  cases: [] as Record<string, unknown>[],
};
for (const [i, c] of cases.entries()) {
  const plaintext = seededBytes(202 + i)(c.plaintextBytes);
  const saltSeed = 211 + i;
  const sealed = await sealWeights(plaintext, contentKey, { name: c.name, chunkBytes: c.chunkBytes, randomBytes: seededBytes(saltSeed) });
  out.cases.push({ name: c.name, chunkBytes: c.chunkBytes, saltSeed, plaintext: hex(plaintext), sealed: hex(sealed) });
}
writeFileSync(target, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${target.pathname}: ${out.cases.length} cases`);

/**
 * `npx tsx bench/sealed_stream.ts [--mib 45] [--runs 5]`
 *
 * Node WebCrypto throughput of the sealed-weights stream (src/crypto/stream.ts) on random data: seal, and open for
 * chunk sizes 64 KiB … 4 MiB with 1, 2 and 4 decrypts in flight — from the whole file in memory into a buffer the
 * caller owns, and (at 2 in flight) from a stream of 64 KiB pieces, as a Node file read gives them. The reference is
 * one AES-256-GCM call over the whole buffer. Medians of `--runs`, GB/s (10^9 bytes of plaintext per second);
 * configurations are interleaved run by run, so load on the machine hits them alike. Prints os.loadavg() too.
 */
import { randomFillSync } from 'node:crypto';
import { loadavg, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { openSealed, sealWeights } from '../src/crypto/stream.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '45' }, runs: { type: 'string', default: '5' } } });
const BYTES = Number(values.mib) * 2 ** 20;
const RUNS = Number(values.runs);
const CHUNKS = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const IN_FLIGHT = [1, 2, 4];
const PIECE = 64 * 1024;

const plaintext = randomFillSync(new Uint8Array(BYTES));
const contentKey = randomFillSync(new Uint8Array(32));
const into = new Uint8Array(BYTES);
const subtle = globalThis.crypto.subtle;
const oneShotKey = await subtle.importKey('raw', contentKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
const iv = new Uint8Array(12);
const oneShotSealed = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, oneShotKey, plaintext));

async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += PIECE) yield bytes.subarray(at, at + PIECE);
}

const sealedBy = new Map<number, Uint8Array>();
for (const chunkBytes of CHUNKS) sealedBy.set(chunkBytes, await sealWeights(plaintext, contentKey, { name: 'weights.bin', chunkBytes }));

type Case = { row: string; column: string; run: () => Promise<unknown> };
const cases: Case[] = [
  { row: 'one-shot AES-GCM', column: 'seal', run: () => subtle.encrypt({ name: 'AES-GCM', iv }, oneShotKey, plaintext) },
  { row: 'one-shot AES-GCM', column: 'open x1', run: () => subtle.decrypt({ name: 'AES-GCM', iv }, oneShotKey, oneShotSealed) },
];
for (const chunkBytes of CHUNKS) {
  const row = `${chunkBytes / 1024} KiB chunks`;
  const sealed = sealedBy.get(chunkBytes)!;
  cases.push({ row, column: 'seal', run: () => sealWeights(plaintext, contentKey, { name: 'weights.bin', chunkBytes }) });
  for (const concurrency of IN_FLIGHT) {
    cases.push({ row, column: `open x${concurrency}`, run: () => openSealed(sealed, contentKey, { name: 'weights.bin', into, concurrency }) });
  }
  cases.push({ row, column: 'stream x2', run: () => openSealed(pieces(sealed), contentKey, { name: 'weights.bin', into, concurrency: 2 }) });
}

const before = loadavg();
const seconds = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (const c of cases) await c.run(); // warm-up
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) {
    const start = performance.now();
    await c.run();
    seconds.get(c)!.push((performance.now() - start) / 1000);
  }
}
const after = loadavg();

// Every open above wrote into `into`: check the last one gave the plaintext back.
if (Buffer.compare(into, plaintext) !== 0) throw new Error('open did not give the plaintext back');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const columns = ['seal', ...IN_FLIGHT.map((n) => `open x${n}`), 'stream x2'];
const rows = [...new Set(cases.map((c) => c.row))];
const cell = (row: string, column: string) => {
  const c = cases.find((x) => x.row === row && x.column === column);
  return c === undefined ? '' : (BYTES / median(seconds.get(c)!) / 1e9).toFixed(2);
};
console.log(`sealed stream, ${BYTES / 2 ** 20} MiB random, GB/s (median of ${RUNS}); Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}`);
console.log(`load average (1, 5, 15 min): before ${before.map((x) => x.toFixed(2)).join(' ')}, after ${after.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`| | ${columns.join(' | ')} |`);
console.log(`|---|${columns.map(() => '---:').join('|')}|`);
for (const row of rows) console.log(`| ${row} | ${columns.map((c) => cell(row, c)).join(' | ')} |`);
console.log('open xN: N chunk decrypts in flight, whole file in memory into a caller buffer; stream x2: from 64 KiB pieces.');

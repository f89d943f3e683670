/**
 * One load of one protection level in a fresh process, for bench/unlock.ts's peak-memory figures:
 * `node --expose-gc --import tsx bench/unlock_worker.ts '{"level":"seal","dir":"...","keys":"...","mode":"disk"}'`
 *
 * Engine started, one load of a small model (`warmup`, LeNet-5) at the same level and from the same source, keys read
 * and (mode "bytes") the level's files read into memory first; then a GC, the kernel's
 * resident-set high-water mark reset to the current RSS (`5` into /proc/self/clear_refs; where that is refused, the
 * mark from before is the baseline), the load, and VmHWM read again: the delta is the load's exact peak RSS. Peak
 * tensor bytes are the engine's byte count read after every tensor it tracks. Prints one JSON line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/index.js';
import { decodeKeys, loadLevel, readLevelFiles, type Level, type Mode } from './unlock_levels.js';

export interface WorkerResult {
  level: Level;
  mode: Mode;
  loadMs: number;
  /** RSS when the measurement started, and the peak and final RSS during / after the load, bytes. */
  rssBefore: number;
  peakRss: number;
  rssAfter: number;
  /** Whether the high-water mark could be reset (exact peak) or the mark from before was the baseline. */
  hwmReset: boolean;
  tensorBytesBefore: number;
  peakTensorBytes: number;
  tensorBytesAfter: number;
}

function status(): { rss: number; hwm: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as { level: Level; dir: string; keys: string; mode: Mode; warmup?: { dir: string; keys: string } };
await initEngine();
const keys = decodeKeys(readFileSync(spec.keys, 'utf8'));
// One load of a small model at the same level first, so that what follows is the model's cost, not the process's
// first use of the code on that path (crypto set-up, JIT, tfjs-layers' deserialisation).
if (spec.warmup !== undefined) {
  const warmKeys = decodeKeys(readFileSync(spec.warmup.keys, 'utf8'));
  (await loadLevel(spec.level, spec.warmup.dir, warmKeys, spec.mode === 'bytes' ? await readLevelFiles(spec.warmup.dir) : undefined)).dispose();
}
const files = spec.mode === 'bytes' ? await readLevelFiles(spec.dir) : undefined;

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
gc?.();
let hwmReset = true;
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  hwmReset = false;
}
const before = status();
const rssBefore = hwmReset ? before.rss : before.hwm;

const engine = tf.engine() as unknown as { trackTensor: (...a: unknown[]) => unknown; state: { numBytes: number } };
const original = engine.trackTensor;
const tensorBytesBefore = engine.state.numBytes;
let peakTensorBytes = tensorBytesBefore;
engine.trackTensor = function (this: typeof engine, ...a: unknown[]) {
  const result = original.apply(this, a);
  peakTensorBytes = Math.max(peakTensorBytes, engine.state.numBytes);
  return result;
};
const started = performance.now();
const loaded = await loadLevel(spec.level, spec.dir, keys, files);
const loadMs = performance.now() - started;
engine.trackTensor = original;
const after = status();
const result: WorkerResult = {
  level: spec.level,
  mode: spec.mode,
  loadMs,
  rssBefore,
  peakRss: after.hwm,
  rssAfter: after.rss,
  hwmReset,
  tensorBytesBefore,
  peakTensorBytes,
  tensorBytesAfter: tf.memory().numBytes,
};
loaded.dispose();
process.stdout.write(`${JSON.stringify(result)}\n`);

/**
 * Hostile-input helpers for the fuzz properties: byte edits, splices, header rewrites that keep the framing valid,
 * and the one check every property ends in — a typed EdgeProError with an expected code, or a correct result.
 */
import fc from 'fast-check';
import { EdgeProError } from '../../src/util/errors.js';

// --- byte mutations ---

export interface Edit {
  index: number;
  value: number;
}

/** 1–8 byte edits at arbitrary positions (taken modulo the length). */
export const editsArb = fc.array(fc.record({ index: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 });

export function applyEdits(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  const out = bytes.slice();
  if (out.length === 0) return out;
  for (const { index, value } of edits) out[index % out.length] = value;
  return out;
}

export interface Splice {
  start: number;
  deleteCount: number;
  insert: Uint8Array;
}

/** A deletion, an insertion or both at one place: truncation, extension, shifted framing. */
export const spliceArb = fc.record({
  start: fc.nat(),
  deleteCount: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.nat()),
  insert: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 64 })),
});

export function applySplice(bytes: Uint8Array, { start, deleteCount, insert }: Splice): Uint8Array {
  const at = start % (bytes.length + 1);
  const end = Math.min(bytes.length, at + deleteCount);
  const out = new Uint8Array(at + insert.length + (bytes.length - end));
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(end), at + insert.length);
  return out;
}

/** Any of: multi-byte edits, a splice, edits then a splice. */
export const mutationArb = fc.oneof(
  editsArb.map((edits) => (b: Uint8Array) => applyEdits(b, edits)),
  spliceArb.map((s) => (b: Uint8Array) => applySplice(b, s)),
  fc.tuple(editsArb, spliceArb).map(([edits, s]) => (b: Uint8Array) => applySplice(applyEdits(b, edits), s)),
);

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// --- header rewrites (framing kept valid) ---

/** Splits `magic | u32 BE length | header JSON | body` without our decodeFrame. */
export function splitFrame(bytes: Uint8Array): { magic: Uint8Array; header: Record<string, unknown>; body: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, false);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))) as Record<string, unknown>;
  return { magic: bytes.slice(0, 8), header, body: bytes.slice(12 + length) };
}

export function joinFrame(magic: Uint8Array, header: unknown, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + json.length + body.length);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(8, json.length, false);
  out.set(json, 12);
  out.set(body, 12 + json.length);
  return out;
}

/** Every path to a value inside a JSON object (objects only; arrays are leaves). */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  const out: string[][] = prefix.length === 0 ? [] : [prefix];
  for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

export type HeaderChange =
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; key: string; value: unknown }
  | { kind: 'replace'; value: unknown };

const interestingValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(0, -1, 1, 2 ** 32, 2 ** 53, 1e308, -0, 0.5, '', '0'.repeat(64), 'AES-256-GCM', null, true, [], {}),
);

export const headerChangeArb: fc.Arbitrary<HeaderChange> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: interestingValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: fc.string({ maxLength: 12 }), value: interestingValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 3 }) }) },
);

/** The header with one change, re-serialised; the magic and body kept. */
export function rewriteHeader(bytes: Uint8Array, change: HeaderChange): Uint8Array {
  const { magic, header, body } = splitFrame(bytes);
  if (change.kind === 'replace') return joinFrame(magic, change.value, body);
  const copy = structuredClone(header) as Record<string, unknown>;
  const all = paths(copy);
  const path = all[change.pick % all.length]!;
  const parentPath = change.kind === 'add' ? path : path.slice(0, -1);
  let parent: Record<string, unknown> = copy;
  for (const k of parentPath) {
    const next = parent[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) break;
    parent = next as Record<string, unknown>;
  }
  if (change.kind === 'add') Object.defineProperty(parent, change.key, { value: change.value, enumerable: true, writable: true, configurable: true });
  else if (change.kind === 'delete') delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = change.value;
  return joinFrame(magic, copy, body);
}

// --- outcomes ---

/** How often each outcome (`ok` or an error code) was seen, so a run can show that its inputs reach deep paths. */
export const outcomeStats = new Map<string, number>();
const count = (key: string) => outcomeStats.set(key, (outcomeStats.get(key) ?? 0) + 1);

/**
 * Runs `fn`; a thrown error must be an EdgeProError whose code is in `codes`, anything else fails the property.
 * Returns the result, or `undefined` when a typed error was thrown.
 */
export async function typedOrResult<T>(fn: () => Promise<T> | T, codes: readonly string[]): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    const value = await fn();
    count('ok');
    return { ok: true, value };
  } catch (error) {
    if (!(error instanceof EdgeProError)) throw new Error(`untyped error: ${String(error)}`, { cause: error });
    if (!codes.includes(error.code)) throw new Error(`unexpected code ${error.code}: ${error.message}`, { cause: error });
    count(error.code);
    return { ok: false, code: error.code };
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

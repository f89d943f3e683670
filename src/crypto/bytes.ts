/**
 * Byte plumbing shared by the container and licence formats: hex, randomness, and the framing both use —
 * `magic (8) | header length (u32, big-endian) | header (UTF-8 JSON) | body`. Strict: every read is bounds-checked
 * and every failure is a {@link MalformedError}.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { MalformedError } from './errors.js';

/** Source of random bytes; a parameter so tests can be reproducible. Defaults to `crypto.getRandomValues`. */
export type RandomBytes = (length: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));

/** A copy backed by a plain ArrayBuffer (what WebCrypto's typings want). */
export function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Parses lower-case hex of exactly `length` bytes; anything else is malformed. */
export function fromHex(text: unknown, length: number, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length !== length * 2 || !HEX.test(text)) {
    throw new MalformedError(`${what} must be ${length} bytes of lower-case hex`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Constant-time equality of two byte strings of public length. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Accepts the byte forms a caller may hold (Uint8Array, ArrayBuffer, a typed-array view); refuses anything else. */
export function asBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new InvalidArgumentError(`${what} must be bytes (Uint8Array or ArrayBuffer)`);
}

/** Checks a caller-supplied key's type and length (misuse, not hostile input: an InvalidArgumentError). */
export function keyBytes(value: unknown, length: number, what: string): Uint8Array {
  const bytes = asBytes(value, what);
  if (bytes.length !== length) throw new InvalidArgumentError(`${what} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

// --- framing ---

const PREFIX = 12;

export interface Frame {
  /** Parsed header (a plain JSON object). */
  header: Record<string, unknown>;
  /** Everything from the start through the end of the header: the associated data of the body's encryption. */
  authenticated: Uint8Array;
  /** The bytes after the header. */
  body: Uint8Array;
}

/** Builds `magic | u32 length | header JSON`; the caller appends the body. */
export function encodeFramePrefix(magic: Uint8Array, header: object): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREFIX + json.length);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(8, json.length, false);
  out.set(json, PREFIX);
  return out;
}

/**
 * Splits a frame, checking the magic, that the declared header length fits both `maxHeader` and the bytes present,
 * and that the header is a UTF-8 JSON object. Does no cryptography.
 */
export function decodeFrame(bytes: Uint8Array, magic: Uint8Array, what: string, maxHeader: number): Frame {
  if (bytes.length < PREFIX) throw new MalformedError(`${what} is truncated (${bytes.length} bytes)`);
  for (let i = 0; i < magic.length; i++) {
    if (bytes[i] !== magic[i]) throw new MalformedError(`not an edgepro ${what} (bad magic bytes)`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, false);
  if (length < 2 || length > maxHeader) throw new MalformedError(`${what} header length ${length} is out of range [2, ${maxHeader}]`);
  if (PREFIX + length > bytes.length) throw new MalformedError(`${what} is truncated: header of ${length} bytes, ${bytes.length - PREFIX} present`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + length)));
  } catch (cause) {
    throw new MalformedError(`${what} header is not UTF-8 JSON`, { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new MalformedError(`${what} header is not a JSON object`);
  return { header: header as Record<string, unknown>, authenticated: bytes.subarray(0, PREFIX + length), body: bytes.subarray(PREFIX + length) };
}

// --- header fields ---

/** Refuses keys the format does not define, so nothing unauthenticated-by-meaning rides along. */
export function onlyKeys(object: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new MalformedError(`${what} has an unknown field ${JSON.stringify(key)}`);
  }
}

export function objectField(object: Record<string, unknown>, key: string, what: string): Record<string, unknown> {
  const value = object[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedError(`${what}.${key} must be an object`);
  return value as Record<string, unknown>;
}

export function stringField(object: Record<string, unknown>, key: string, what: string): string {
  const value = object[key];
  if (typeof value !== 'string') throw new MalformedError(`${what}.${key} must be a string`);
  return value;
}

export function integerField(object: Record<string, unknown>, key: string, what: string, min: number, max: number): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new MalformedError(`${what}.${key} must be an integer`);
  if (value < min || value > max) throw new MalformedError(`${what}.${key} = ${value} is out of range [${min}, ${max}]`);
  return value;
}

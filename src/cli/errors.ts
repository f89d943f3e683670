import { EdgeProError, type ErrorCode } from '../util/errors.js';
import { errorHint } from '../util/error_hints.js';

/** A mistake in how the command was called (unknown flag, bad value): exit code 2. */
export class UsageError extends EdgeProError {
  constructor(message: string) {
    super('ERR_USAGE', message);
  }
}

/** A protected model run without a licence: it would answer, but its answers mean nothing. A usage error (exit 2). */
export class ModelLockedError extends UsageError {}

/** The benchmark ran and failed (its exit code is passed on in the message). */
export class BenchmarkFailedError extends EdgeProError {
  constructor(message: string) {
    super('ERR_BENCHMARK', message);
  }
}

/** A file the command needs is not there. Code `ERR_FILE_NOT_FOUND`; the message says what the file is for. */
export class MissingFileError extends EdgeProError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('ERR_FILE_NOT_FOUND', message);
  }
}

/**
 * The same error (same class, same `code`), its message prefixed with the file it concerns and followed by what to
 * do: library errors of the crypto layer do not know file names, the user needs them.
 */
export function inFile(error: unknown, path: string, hint?: string): unknown {
  if (!(error instanceof EdgeProError)) return error;
  const message = `${path}: ${error.message}${hint ? ` (${hint})` : ''}`;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as EdgeProError;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(copy, 'message', { value: message, enumerable: false, writable: true, configurable: true });
  Object.defineProperty(copy, 'cause', { value: error, enumerable: false, writable: true, configurable: true });
  return copy;
}

/** Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'commander.invalidArgument') return 2;
  return 1;
}

/** One line for the user: the message of our own errors, and a short form for anything unexpected. */
export function describeError(error: unknown): string {
  if (error instanceof EdgeProError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const path = (error as NodeJS.ErrnoException).path;
    if (code === 'ENOENT' && path) return `file not found: ${path}`;
    if (code === 'EACCES' && path) return `permission denied: ${path}`;
    return error.message;
  }
  return String(error);
}

/**
 * The code of an error as the user sees it: our own errors' `code`, a missing or forbidden file as
 * `ERR_FILE_NOT_FOUND` / `ERR_PERMISSION_DENIED`, commander's usage errors as `ERR_USAGE`, anything else
 * `ERR_UNEXPECTED`.
 */
export function errorCode(error: unknown): ErrorCode {
  if (error instanceof EdgeProError) return error.code;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && code.startsWith('commander.')) return 'ERR_USAGE';
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'ERR_FILE_NOT_FOUND';
  if (code === 'EACCES' || code === 'EPERM') return 'ERR_PERMISSION_DENIED';
  return 'ERR_UNEXPECTED';
}

/**
 * The one JSON line `--json` prints to stderr for a failure: `{"error":{"code":"ERR_…","message":"…","hint":"…"}}`,
 * with the stack added under --verbose. `message` defaults to {@link describeError}'s line.
 */
export function errorJson(error: unknown, options: { message?: string; stack?: boolean } = {}): string {
  const code = errorCode(error);
  const stack = options.stack && error instanceof Error ? error.stack : undefined;
  return `${JSON.stringify({ error: { code, message: options.message ?? describeError(error), hint: errorHint(code, 'cli'), ...(stack ? { stack } : {}) } })}\n`;
}

/**
 * Every error edgepro throws on purpose is an {@link EdgeProError} with a stable `code` from {@link ERROR_CODES}.
 * Callers (and tests) branch on `code`, never on the message, which may be reworded. The classes live one file per
 * layer: this one (cross-cutting), `crypto/errors.ts`, `data/errors.ts`, `util/node_fs.ts` and `cli/errors.ts`; what
 * a user can do about each code is in `util/error_hints.ts`.
 */

/** The codes, by layer. `ERR_PERMISSION_DENIED`, `ERR_BUFFER_TOO_LARGE` and `ERR_UNEXPECTED` name what the CLI reports for a failure that is not edgepro's own error. */
/** crypto/'s codes: a licence, container or sealed file that does not open (crypto/errors.ts has their classes). */
export const CRYPTO_ERROR_CODES = [
  'ERR_DECRYPTION_FAILED',
  'ERR_MALFORMED',
  'ERR_SIGNATURE',
  'ERR_MODEL_MISMATCH',
  'ERR_EXPIRED',
  'ERR_CLOCK',
  'ERR_UNSUPPORTED_VERSION',
] as const;

export const ERROR_CODES = [
  // Arguments, models, data, inputs, the engine, training.
  'ERR_INVALID_ARGUMENT',
  'ERR_DATA_FORMAT',
  'ERR_MODEL_FORMAT',
  'ERR_SEALED',
  'ERR_ENGINE',
  'ERR_INVALID_PASSWORD',
  'ERR_INPUT_SHAPE',
  'ERR_TRAINING_DIVERGED',
  'ERR_LOCK_AUDIT',
  'ERR_SUBSTITUTE_MISMATCH',
  ...CRYPTO_ERROR_CODES,
  // Files.
  'ERR_FILE_NOT_FOUND',
  'ERR_FILE_EXISTS',
  'ERR_PERMISSION_DENIED',
  'ERR_BUFFER_TOO_LARGE',
  // The command line.
  'ERR_USAGE',
  'ERR_BENCHMARK',
  'ERR_UNEXPECTED',
] as const;

/** A code an edgepro error carries. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The base of every error edgepro throws on purpose: a stable `code`, and a message for people. */
export class EdgeProError extends Error {
  /** Stable, machine-readable identifier, e.g. `ERR_DATA_FORMAT`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A function was called with an argument it cannot use (wrong shape, NaN, out of range). */
export class InvalidArgumentError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, options);
  }
}

/** A data file (IDX, CSV, image) is truncated, has the wrong magic number, or holds values it should not. */
export class DataFormatError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DATA_FORMAT', message, options);
  }
}

/** A model file could not be read, or does not have the layers edgepro needs. */
export class ModelFormatError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MODEL_FORMAT', message, options);
  }
}

/**
 * The model's weights are sealed and no credentials that unseal them were given (a licence or the owner key): there
 * is nothing to run.
 */
export class SealedModelError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SEALED', message, options);
  }
}

/** The numeric engine could not start (no WebAssembly, wasm file not found). */
export class EngineError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_ENGINE', message, options);
  }
}

/** A password that does not fit its model: unknown layer, index out of range, duplicate index, NaN or infinite value. */
export class InvalidPasswordError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_PASSWORD', message, options);
  }
}

/** An input to a model has the wrong shape, or holds NaN or infinite values. */
export class InputShapeError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INPUT_SHAPE', message, options);
  }
}

/** Training produced a non-finite loss (usually a learning rate too high for the model); the weights are spoiled. */
export class TrainingDivergedError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TRAINING_DIVERGED', message, options);
  }
}

/**
 * The lock protect trained did not pass its audit: a short attack on samples held out of lock training revived the
 * released model beyond the bar, on every password drawn. The model is not shipped; `attempts` holds each audit.
 */
export class LockAuditError extends EdgeProError {
  readonly attempts: readonly unknown[];

  constructor(message: string, attempts: readonly unknown[], options?: { cause?: unknown }) {
    super('ERR_LOCK_AUDIT', message, options);
    this.attempts = attempts;
  }
}

/**
 * An attack's substitute does not fit the model it stands in for: a sealed weight it lacks or has in another shape, or
 * a public dataset whose samples or classes the model does not take.
 */
export class SubstituteMismatchError extends EdgeProError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SUBSTITUTE_MISMATCH', message, options);
  }
}

/**
 * Every error edgepro throws on purpose is an {@link EdgeProError} with a stable `code`.
 * Callers (and tests) branch on `code`, never on the message, which may be reworded.
 */
export class EdgeProError extends Error {
  /** Stable, machine-readable identifier, e.g. `ERR_DATA_FORMAT`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
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

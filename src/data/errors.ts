import { EdgeProError } from '../util/errors.js';

/**
 * A data file or directory the caller named does not exist (or a directory lacks the files expected in it).
 * Code `ERR_FILE_NOT_FOUND`. A file that exists but cannot be parsed is a `DataFormatError` instead.
 */
export class DataFileNotFoundError extends EdgeProError {
  /** The path that was looked for. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_FILE_NOT_FOUND', message, options);
    this.path = path;
  }
}

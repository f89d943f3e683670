/**
 * What a user can do about each error code: the one table the CLI and apps (the web demo, a device's own UI) share.
 * `hint` is for anyone; `cli` replaces it where a command-line flag says it better. Hints are lower-case fragments,
 * so that a caller can append them to a message (`message (hint)`) or make a sentence of them.
 */
import { ERROR_CODES, type ErrorCode } from './errors.js';

export interface ErrorHint {
  hint: string;
  cli?: string;
}

export const ERROR_HINTS: Readonly<Record<ErrorCode, ErrorHint>> = {
  ERR_INVALID_ARGUMENT: { hint: 'a value passed in is out of range or of the wrong kind', cli: "see the command's --help" },
  ERR_DATA_FORMAT: {
    hint: 'the data is not in a format edgepro reads, or is damaged',
    cli: 'check the data file: IDX files, a numeric CSV with --label, or PNG images',
  },
  ERR_MODEL_FORMAT: {
    hint: 'the model could not be read: not a bundle written by edgepro, or a damaged one',
    cli: 'not a model directory written by edgepro (train, protect or seal), or a damaged one',
  },
  ERR_SEALED: {
    hint: 'the weights are sealed: nothing runs without a licence that opens them',
    cli: 'the weights are sealed: give the owner key (--key) or a licence that opens them',
  },
  ERR_ENGINE: {
    hint: 'TensorFlow.js could not start its backend (no WebAssembly, or its .wasm files are not served)',
    cli: 'the numeric engine could not start (no WebAssembly, or its wasm file is missing): run again with --verbose',
  },
  ERR_INVALID_PASSWORD: { hint: 'the password does not fit this model: use the owner key or licence made for it' },
  ERR_INPUT_SHAPE: { hint: "the input does not have the model's input shape, or holds NaN or infinite values" },
  ERR_TRAINING_DIVERGED: { hint: 'lower the learning rate or change the optimizer', cli: 'lower the learning rate (--lr) or change the optimizer' },
  ERR_LOCK_AUDIT: {
    hint: 'every password drawn left a lock that the audit reopened: train the baseline longer, lock-train longer, or allow more draws',
    cli: 'every password drawn left a lock that the audit reopened: lock-train longer (--epochs), or check the baseline; --no-audit ships it unchecked',
  },
  ERR_SUBSTITUTE_MISMATCH: {
    hint: "the substitute does not fit the model: use a public dataset of the model's input shape and class count, and a substitute of the same architecture",
    cli: "the public dataset does not fit the model: give one of the model's input shape and class count (--public-idx)",
  },
  // AES-GCM cannot tell a wrong key from an altered file, and saying which would help an attacker.
  ERR_DECRYPTION_FAILED: {
    hint: 'wrong passphrase or device key, or the licence was damaged or altered: check them, or ask the model owner for a new licence',
    cli: 'check the passphrase or --device-key; if they are right, the licence file was damaged or altered: ask for a new one',
  },
  ERR_MALFORMED: { hint: 'not an edgepro licence or key file, or a damaged one' },
  ERR_SIGNATURE: { hint: 'the licence was altered, forged, or signed by another vendor: ask the model owner for a new one' },
  ERR_MODEL_MISMATCH: { hint: 'the licence is for another model (or its model.json or weights were changed)' },
  ERR_EXPIRED: { hint: 'the licence has expired: ask the model owner for a new one' },
  ERR_CLOCK: { hint: "the device's clock cannot be trusted with this licence's dates" },
  ERR_UNSUPPORTED_VERSION: { hint: 'made by another version of edgepro' },
  ERR_FILE_NOT_FOUND: { hint: 'check the path', cli: "check the path; see the command's --help for the files it needs" },
  ERR_FILE_EXISTS: { hint: 'the file is already there and was left untouched', cli: 'the file is already there: choose another path, or pass --force' },
  ERR_PERMISSION_DENIED: { hint: 'check the permissions of the file or its directory' },
  ERR_BUFFER_TOO_LARGE: { hint: 'the file is larger than edgepro accepts: check that it is the right file' },
  ERR_USAGE: { hint: 'see the documentation of the call', cli: "see the command's --help" },
  ERR_BENCHMARK: { hint: 'the benchmark failed', cli: 'run again with --verbose for the details' },
  ERR_UNEXPECTED: { hint: 'an unexpected error: please report it', cli: 'run again with --verbose for the stack, and report it' },
};

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * The hint for `code` (any string: an unknown code gets `ERR_UNEXPECTED`'s), worded for an app or for the CLI.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof EdgeProError) showMessage(`${error.message} (${errorHint(error.code)})`);
 * }
 * ```
 */
export function errorHint(code: string, audience: 'app' | 'cli' = 'app'): string {
  const entry = ERROR_HINTS[isErrorCode(code) ? code : 'ERR_UNEXPECTED'];
  return audience === 'cli' ? (entry.cli ?? entry.hint) : entry.hint;
}

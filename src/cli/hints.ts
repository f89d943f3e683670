/**
 * What to do about each error the user can meet, by its `code`: one table for the whole CLI. `infer` appends the
 * licence hints to its messages; `--json` errors carry the hint of their code.
 */
export const HINTS: Readonly<Record<string, string>> = {
  // The crypto layer: a licence or container that does not open.
  ERR_DECRYPTION_FAILED: 'check the passphrase or --device-key; if they are right, the licence file was damaged or altered: ask for a new one',
  ERR_MALFORMED: 'not an edgepro licence, or a damaged one',
  ERR_SIGNATURE: 'the licence was altered, forged, or signed by another vendor: ask the model owner for a new one',
  ERR_MODEL_MISMATCH: 'the licence is for another model (or its model.json or weights were changed)',
  ERR_EXPIRED: 'ask the model owner for a new licence',
  ERR_CLOCK: "the device's clock cannot be trusted with this licence's dates",
  ERR_UNSUPPORTED_VERSION: 'made by another version of edgepro',
  // Models, data and inputs.
  ERR_SEALED: 'the weights are sealed: give the owner key (--key) or a licence that opens them',
  ERR_INVALID_PASSWORD: 'the password does not fit this model: use the owner key or licence made for it',
  ERR_MODEL_FORMAT: 'not a model directory written by edgepro (train, protect or seal), or a damaged one',
  ERR_DATA_FORMAT: 'check the data file: IDX files, a numeric CSV with --label, or PNG images',
  ERR_INPUT_SHAPE: "the input does not have the model's input shape, or holds NaN or infinite values",
  ERR_TRAINING_DIVERGED: 'lower the learning rate (--lr) or change the optimizer',
  ERR_ENGINE: 'the numeric engine could not start (no WebAssembly, or its wasm file is missing): run again with --verbose',
  ERR_BENCHMARK: 'run again with --verbose for the details',
  ERR_BUFFER_TOO_LARGE: 'the file is larger than edgepro accepts: check that it is the right file',
  // The command line and the file system.
  ERR_FILE_NOT_FOUND: 'check the path; see the command\'s --help for the files it needs',
  ERR_PERMISSION_DENIED: 'check the permissions of the file or its directory',
  ERR_USAGE: "see the command's --help",
  ERR_INVALID_ARGUMENT: "see the command's --help",
  ERR_UNEXPECTED: 'run again with --verbose for the stack, and report it',
};

/** The codes of a licence that does not open, with their hints (what infer appends to its message). */
export const LICENCE_HINTS: Readonly<Record<string, string>> = Object.fromEntries(
  ['ERR_DECRYPTION_FAILED', 'ERR_MALFORMED', 'ERR_SIGNATURE', 'ERR_MODEL_MISMATCH', 'ERR_EXPIRED', 'ERR_CLOCK', 'ERR_UNSUPPORTED_VERSION'].map((code) => [code, HINTS[code]!]),
);

/** The hint for a code, or the generic one. */
export function hintFor(code: string): string {
  return Object.hasOwn(HINTS, code) ? HINTS[code]! : HINTS.ERR_UNEXPECTED!;
}

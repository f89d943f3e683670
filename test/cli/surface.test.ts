/**
 * The CLI's surface through the built dist/cli/main.js: --version, licence inspect (text, --json, --model), and the
 * JSON error line that --json turns failures into.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { writeBundle } from '../../src/bundle/directory.js';
import { generateDeviceKeyPair, generateVendorKeyPair } from '../../src/crypto/keys.js';
import { issueLicence } from '../../src/crypto/licence.js';
import { initEngine } from '../../src/engine/index.js';
import { buildMlp, serializeModel } from '../../src/models/index.js';
import { errorHint } from '../../src/util/error_hints.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const CHEAP_KDF = { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } as const;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });

/** A failure as --json reports it: nothing on stdout, one JSON line on stderr, its code and exit code. */
function expectJsonError(r: CliResult, exitCode: number, code: string): { code: string; message: string; hint: string } {
  expect(r.code, r.stderr).toBe(exitCode);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  const { error } = JSON.parse(lines[0]!) as { error: { code: string; message: string; hint: string } };
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.hint).toBe(errorHint(code, 'cli'));
  return error;
}

let dir: string;
let fingerprint: string;
let devicePublic: Uint8Array;
let vendorPublic: Uint8Array;
const expiresAt = new Date(Date.now() + 30 * 86_400_000);

async function bundle(seed: number, out: string): Promise<string> {
  const lockable = buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed });
  const assembled = await assembleBundle(await serializeModel(lockable), { seal: 'all' });
  lockable.model.dispose();
  await writeBundle(assembled.bundle, join(dir, out));
  return assembled.fingerprint;
}

beforeAll(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'edgepro-surface-'));
  fingerprint = await bundle(1, 'model');
  await bundle(2, 'other');
  const contentKey = new Uint8Array(32).fill(7);
  await writeFile(join(dir, 'pass.licence'), await issueLicence(contentKey, { passphrase: 'correct horse', kdf: CHEAP_KDF }, { modelFingerprint: fingerprint }));
  const device = await generateDeviceKeyPair();
  const vendor = await generateVendorKeyPair();
  devicePublic = device.publicKey;
  vendorPublic = vendor.publicKey;
  const signed = await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: fingerprint, vendorPrivateKey: vendor.privateKey, expiresAt });
  await writeFile(join(dir, 'device.licence'), signed);
  const old = await issueLicence(contentKey, { passphrase: 'x', kdf: CHEAP_KDF }, { modelFingerprint: fingerprint, issuedAt: Date.now() - 7_200_000, expiresAt: Date.now() - 3_600_000 });
  await writeFile(join(dir, 'old.licence'), old);
  await writeFile(join(dir, 'garbage.licence'), 'not a licence at all, just text\n');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('--version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await edgepro(flag);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });
});

describe('licence inspect', () => {
  it('describes a passphrase licence: its KDF, no signer, no expiry', async () => {
    const r = await edgepro('licence', 'inspect', 'pass.licence');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(fingerprint);
    expect(r.stdout).toMatch(/passphrase \(scrypt N=2\^10, r=8, p=1\)/);
    expect(r.stdout).toMatch(/signed\s+no/);
    expect(r.stdout).toMatch(/expires\s+never/);
    expect(r.stdout).toMatch(/version 2/);
  });

  it('describes a signed device licence: the device key prefix, the signer, the expiry', async () => {
    const r = await edgepro('licence', 'inspect', 'device.licence');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`device ${hex(devicePublic).slice(0, 16)}…`);
    expect(r.stdout).toContain(`yes, Ed25519 by ${hex(vendorPublic)}`);
    expect(r.stdout).toContain(expiresAt.toISOString());
    expect(r.stdout).not.toContain('expired');
  });

  it('--json: the header, never a secret', async () => {
    const pass = await edgepro('licence', 'inspect', 'pass.licence', '--json');
    expect(pass.code, pass.stderr).toBe(0);
    const p = JSON.parse(pass.stdout);
    expect(p).toMatchObject({ format: 'edgepro-licence', version: 2, modelFingerprint: fingerprint, recipient: { type: 'passphrase', kdf: CHEAP_KDF }, signed: false, signer: null, expiresAt: null, expired: false });
    expect(Date.parse(p.issuedAt)).toBeLessThanOrEqual(Date.now());
    expect(pass.stdout).not.toMatch(/salt|nonce|ephemeral|wrapped/i);

    const device = JSON.parse((await edgepro('licence', 'inspect', 'device.licence', '--json')).stdout);
    expect(device).toMatchObject({ recipient: { type: 'device', publicKey: hex(devicePublic) }, signed: true, signer: { algorithm: 'Ed25519', publicKey: hex(vendorPublic) }, expiresAt: expiresAt.toISOString(), expired: false });
  });

  it('says when a licence has expired', async () => {
    const r = await edgepro('licence', 'inspect', 'old.licence');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/expires\s+\S+ \(expired\)/);
    expect(JSON.parse((await edgepro('licence', 'inspect', 'old.licence', '--json')).stdout).expired).toBe(true);
  });

  it('--model: whether the licence is for that bundle', async () => {
    const match = await edgepro('licence', 'inspect', 'device.licence', '--model', 'model', '--json');
    expect(match.code, match.stderr).toBe(0);
    expect(JSON.parse(match.stdout).model).toEqual({ dir: 'model', fingerprint, matches: true });
    const text = await edgepro('licence', 'inspect', 'device.licence', '--model', 'model');
    expect(text.stdout).toMatch(/for --model\s+yes: model/);

    const other = await edgepro('licence', 'inspect', 'device.licence', '--model', 'other', '--json');
    expect(other.code, other.stderr).toBe(0);
    const { model } = JSON.parse(other.stdout);
    expect(model.matches).toBe(false);
    expect(model.fingerprint).not.toBe(fingerprint);
    expect((await edgepro('licence', 'inspect', 'device.licence', '--model', 'other')).stdout).toMatch(/for --model\s+no: other is [0-9a-f]+/);
  });

  it('a malformed file: one line, exit 1', async () => {
    const r = await edgepro('licence', 'inspect', 'garbage.licence');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^edgepro: garbage\.licence: .*not an edgepro licence/);
    expectJsonError(await edgepro('licence', 'inspect', 'garbage.licence', '--json'), 1, 'ERR_MALFORMED');
  });
});

describe('errors as JSON with --json', () => {
  it('a missing file: ERR_FILE_NOT_FOUND, exit 1, with or without a file argument to --json', async () => {
    const error = expectJsonError(await edgepro('licence', 'inspect', 'missing.licence', '--json'), 1, 'ERR_FILE_NOT_FOUND');
    expect(error.message).toContain('missing.licence');
    expectJsonError(await edgepro('licence', 'inspect', 'missing.licence', '--json', 'out.json'), 1, 'ERR_FILE_NOT_FOUND');
  });

  it("commander's usage errors: ERR_USAGE, exit 2", async () => {
    const error = expectJsonError(await edgepro('licence', 'inspect', 'pass.licence', '--no-such-flag', '--json'), 2, 'ERR_USAGE');
    expect(error.message).toContain('--no-such-flag');
    expectJsonError(await edgepro('licence', 'inspect', '--json'), 2, 'ERR_USAGE');
    // Without --json: the plain line, as before.
    const plain = await edgepro('licence', 'inspect', 'pass.licence', '--no-such-flag');
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/^edgepro: unknown option '--no-such-flag' \(see --help\)\n$/);
  });

  it('our own usage errors: ERR_USAGE, exit 2', async () => {
    expectJsonError(await edgepro('licence', 'issue', 'model', '--out', 'x.licence', '--json'), 2, 'ERR_USAGE');
  });
});

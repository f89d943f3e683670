import type { KdfParams } from '../../crypto/kdf.js';
import { inspectLicence, type LicenceHeader } from '../../crypto/licence.js';
import { inFile } from '../errors.js';
import { readRequired } from '../files.js';
import { errorHint } from '../../util/error_hints.js';
import { Output } from '../output.js';
import type { LicenceInspectFlags } from './licence.js';

/** How many hex digits of a device public key the text output shows. */
const KEY_PREFIX = 16;

/** What `licence inspect --json` prints: the public header, never the salt, ephemeral key, nonce or wrapped key. */
export interface LicenceReport {
  licence: string;
  format: string;
  version: number;
  modelFingerprint: string;
  /** A device's full public key (public, like the rest of the header); the text output shows its prefix. */
  recipient: { type: 'passphrase'; kdf: KdfParams } | { type: 'device'; publicKey: string };
  signed: boolean;
  signer: { algorithm: 'Ed25519'; publicKey: string } | null;
  /** ISO 8601, or null: not recorded (version 1). */
  issuedAt: string | null;
  /** ISO 8601, or null: never expires. */
  expiresAt: string | null;
  expired: boolean;
  model?: { dir: string; fingerprint: string; matches: boolean };
}

export async function runLicenceInspect(file: string, flags: LicenceInspectFlags): Promise<void> {
  const out = new Output(flags);
  const bytes = await readRequired(file, 'licence');
  let header: LicenceHeader;
  try {
    // Structure and caps only: no key, no KDF run.
    header = inspectLicence(bytes);
  } catch (error) {
    throw inFile(error, file, errorHint((error as { code?: string }).code ?? '', 'cli'));
  }
  const recipient: LicenceReport['recipient'] =
    header.recipient.type === 'passphrase' ? { type: 'passphrase', kdf: { ...header.recipient.kdf } } : { type: 'device', publicKey: header.recipient.publicKey };
  const report: LicenceReport = {
    licence: file,
    format: header.format,
    version: header.version,
    modelFingerprint: header.modelFingerprint,
    recipient,
    signed: header.signature !== null,
    signer: header.signature ? { algorithm: header.signature.algorithm, publicKey: header.signature.publicKey } : null,
    issuedAt: header.issuedAt === null ? null : new Date(header.issuedAt).toISOString(),
    expiresAt: header.expiresAt === null ? null : new Date(header.expiresAt).toISOString(),
    // The same rule as opening: expired from the instant expiresAt on.
    expired: header.expiresAt !== null && Date.now() >= header.expiresAt,
  };
  if (flags.model !== undefined) {
    const { openBundle } = await import('../../bundle/open.js');
    const { isOnnxBundle, openOnnxBundle } = await import('../../bundle/onnx.js');
    const { directorySource } = await import('../../bundle/directory.js');
    const source = directorySource(flags.model);
    const opened = (await isOnnxBundle(source)) ? await openOnnxBundle(source) : await openBundle(source);
    await opened.close();
    const { fingerprint } = opened;
    report.model = { dir: flags.model, fingerprint, matches: fingerprint === header.modelFingerprint };
  }

  const rows: [string, string][] = [
    ['licence', `${file} (${header.format} version ${header.version})`],
    ['model', header.modelFingerprint],
    ['for', describeRecipient(report.recipient)],
    ['signed', report.signer ? `yes, Ed25519 by ${report.signer.publicKey}` : 'no'],
    ['issued', report.issuedAt ?? 'not recorded (version 1)'],
    ['expires', report.expiresAt === null ? 'never' : `${report.expiresAt}${report.expired ? ' (expired)' : ''}`],
  ];
  if (report.model) {
    rows.push([
      'for --model',
      report.model.matches ? `yes: ${report.model.dir}` : `no: ${report.model.dir} is ${report.model.fingerprint} (${errorHint('ERR_MODEL_MISMATCH', 'cli')})`,
    ]);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  out.info(rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n'));
  await out.result(report);
}

function describeRecipient(recipient: LicenceReport['recipient']): string {
  if (recipient.type === 'device') return `device ${recipient.publicKey.slice(0, KEY_PREFIX)}…`;
  const kdf = recipient.kdf;
  return kdf.name === 'scrypt' ? `passphrase (scrypt N=2^${Math.log2(kdf.N)}, r=${kdf.r}, p=${kdf.p})` : `passphrase (PBKDF2-SHA256, ${kdf.iterations} iterations)`;
}

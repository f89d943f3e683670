import { issueLicence } from '../../crypto/index.js';
import { writeFileAtomic } from '../../util/node_fs.js';
import { UsageError } from '../errors.js';
import { defaultOwnerKeyPath } from '../files.js';
import { Output, table } from '../output.js';
import { checkOwnerKeyFile } from '../protected_files.js';
import { readKeyFile } from '../keys.js';
import { resolvePassphrase } from '../secrets.js';
import type { LicenceIssueFlags } from './licence.js';

export async function runLicenceIssue(dir: string, flags: LicenceIssueFlags): Promise<void> {
  const out = new Output(flags);
  const keyPath = flags.key ?? defaultOwnerKeyPath(dir);
  const explicitPassphrase = flags.passphrase !== undefined || flags.passphraseFile !== undefined;
  if (flags.deviceKey !== undefined && explicitPassphrase) throw new UsageError('a licence is for one recipient: choose --device-key or a passphrase, not both');
  const passphrase = flags.deviceKey === undefined ? await resolvePassphrase(flags) : undefined;
  if (flags.deviceKey === undefined && passphrase === undefined) {
    throw new UsageError('whom is the licence for? give --device-key NAME.pub, or a passphrase (--passphrase-file FILE, EDGEPRO_PASSPHRASE or --passphrase)');
  }
  // The owner key must open this bundle (its password and sealed weights) before it is handed out: a licence with
  // the wrong key would only fail on the device.
  // The owner key must open this bundle (its password or sealed weights) before it is handed out: a licence with the
  // wrong key would only fail on the device.
  const fingerprint = await checkOwnerKeyFile(dir, keyPath);
  if (flags.deviceKey !== undefined && flags.kdf !== 'scrypt') throw new UsageError('--kdf is for passphrase licences; a device licence uses X25519');
  const recipient =
    flags.deviceKey !== undefined
      ? { devicePublicKey: await readKeyFile(flags.deviceKey, 'device-public') }
      : { passphrase: passphrase!, kdf: flags.kdf === 'pbkdf2' ? { name: 'pbkdf2-sha256' as const } : { name: 'scrypt' as const } };
  const contentKey = await readKeyFile(keyPath, 'content-key');
  let vendorPrivateKey: Uint8Array | undefined;
  let licence: Uint8Array;
  try {
    vendorPrivateKey = flags.sign !== undefined ? await readKeyFile(flags.sign, 'vendor-private') : undefined;
    licence = await issueLicence(contentKey, recipient, {
      modelFingerprint: fingerprint,
      ...(vendorPrivateKey ? { vendorPrivateKey } : {}),
      ...(flags.expires ? { expiresAt: flags.expires } : {}),
    });
  } finally {
    // Every path, failures included.
    contentKey.fill(0);
    vendorPrivateKey?.fill(0);
  }
  await writeFileAtomic(flags.out, licence);
  const forWhom = flags.deviceKey !== undefined ? `device ${flags.deviceKey}` : `passphrase (${flags.kdf})`;
  out.info(
    table(
      ['licence', 'model', 'for', 'signed', 'expires'],
      [[flags.out, `${dir} (${fingerprint.slice(0, 12)}…)`, forWhom, flags.sign !== undefined ? 'yes' : 'no', flags.expires?.toISOString() ?? 'never']],
    ),
  );
  await out.result({
    licence: flags.out,
    modelDir: dir,
    modelFingerprint: fingerprint,
    recipient: flags.deviceKey !== undefined ? { devicePublicKey: flags.deviceKey } : { passphrase: true, kdf: flags.kdf },
    signed: flags.sign !== undefined,
    expiresAt: flags.expires?.toISOString() ?? null,
  });
}

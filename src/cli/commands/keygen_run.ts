import { generateDeviceKeyPair, generateVendorKeyPair } from '../../crypto/index.js';
import { writeFilesAtomic } from '../../util/node_fs.js';
import { refusedOverwrite, refuseOverwrite } from '../files.js';
import { Output, table } from '../output.js';
import { keyFileEntry } from '../keys.js';
import type { KeygenFlags, KEY_PAIR_KINDS } from './keygen.js';

export async function runKeygen(kind: (typeof KEY_PAIR_KINDS)[number], flags: KeygenFlags): Promise<void> {
  const out = new Output(flags);
  const stem = flags.out.replace(/\.(key|pub)$/, '');
  const privatePath = `${stem}.key`;
  const publicPath = `${stem}.pub`;
  await refuseOverwrite([privatePath, publicPath], flags.force);
  const pair = kind === 'device' ? await generateDeviceKeyPair() : await generateVendorKeyPair();
  // Exclusive unless --force: a key file that appeared since the check above is never replaced.
  const exclusive = !flags.force;
  try {
    await writeFilesAtomic([
      { ...keyFileEntry(privatePath, kind === 'device' ? 'device-private' : 'vendor-private', pair.privateKey), exclusive },
      { ...keyFileEntry(publicPath, kind === 'device' ? 'device-public' : 'vendor-public', pair.publicKey), exclusive },
    ]);
  } catch (error) {
    throw refusedOverwrite(error);
  } finally {
    pair.privateKey.fill(0);
  }
  const algorithm = kind === 'device' ? 'X25519' : 'Ed25519';
  out.info(
    table(
      ['key', 'algorithm', 'file'],
      [
        [`${kind} private (secret)`, algorithm, privatePath],
        [`${kind} public`, algorithm, publicPath],
      ],
    ),
  );
  out.info(
    kind === 'device'
      ? `keep ${privatePath} on the device; give ${publicPath} to the model owner (edgepro licence issue --device-key ${publicPath})`
      : `keep ${privatePath} secret (edgepro licence issue --sign ${privatePath}); ship ${publicPath} with the runtime (edgepro infer --vendor-key ${publicPath})`,
  );
  await out.result({ kind, algorithm, privateKey: privatePath, publicKey: publicPath });
}

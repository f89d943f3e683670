import type { Command } from 'commander';
import { addCommonOptions, addExamples, expiryFlag, oneOf } from '../options.js';
import { addPassphraseOptions, PASSPHRASE_ENV } from '../secrets.js';

export interface LicenceIssueFlags {
  out: string;
  key?: string;
  deviceKey?: string;
  passphrase?: string;
  passphraseFile?: string;
  sign?: string;
  expires?: Date;
  kdf: 'scrypt' | 'pbkdf2';
  json?: boolean | string;
  quiet?: boolean;
}

export interface LicenceInspectFlags {
  model?: string;
  json?: boolean | string;
  quiet?: boolean;
}

export function registerLicence(program: Command): void {
  const licence = program
    .command('licence')
    .alias('license')
    .summary('issue and inspect licences: the password key wrapped for a device or a passphrase')
    .description('licences: the key of a protected model\'s password, wrapped for one device or one passphrase');
  addExamples(licence, [
    'edgepro licence issue models/protected --device-key keys/device1.pub --out device1.licence',
    'edgepro licence inspect device1.licence --model models/protected',
  ]);
  const cmd = licence
    .command('issue')
    .summary('issue a licence for a device key or a passphrase')
    .argument('<dir>', 'protected model directory (from edgepro protect)')
    .description(
      `issue a licence for one recipient: a device public key (--device-key) or a passphrase (--passphrase-file, ` +
        `${PASSPHRASE_ENV} or --passphrase); optionally signed by the vendor (--sign) and with an expiry (--expires). ` +
        'The weights are not touched: the licence only wraps the owner key',
    )
    .requiredOption('--out <file>', 'where to write the licence')
    .option('--key <file>', 'the owner key (default: <dir>.owner.key, where protect puts it)')
    .option('--device-key <pub>', "the device's public key (NAME.pub from edgepro keygen device)");
  addPassphraseOptions(cmd, 'the passphrase that will open the licence');
  cmd
    .option('--sign <key>', 'sign with the vendor private key (NAME.key from edgepro keygen vendor)')
    .option('--expires <when>', 'expiry: a date (2027-01-31) or a duration from now (30d, 12h)', expiryFlag('--expires'))
    .option(
      '--kdf <name>',
      'passphrase licences: scrypt (N=2^17, memory-hard, about 3 s to open on a slow device) or pbkdf2 (PBKDF2-SHA256, 600,000 iterations, WebCrypto, faster)',
      oneOf('--kdf', ['scrypt', 'pbkdf2'] as const),
      'scrypt',
    );
  addCommonOptions(cmd, { seed: false });
  addExamples(cmd, [
    'edgepro licence issue models/protected --device-key keys/device1.pub --sign keys/vendor.key --out device1.licence',
    `${PASSPHRASE_ENV}='correct horse battery' edgepro licence issue models/protected --expires 30d --out trial.licence`,
  ]);
  cmd.action(async (dir: string, flags: LicenceIssueFlags) => {
    const { runLicenceIssue } = await import('./licence_run.js');
    await runLicenceIssue(dir, flags);
  });

  const inspect = licence
    .command('inspect')
    .summary('say what a licence is for, without opening it')
    .argument('<file>', 'the licence file')
    .description(
      "what a licence says, read without any key and never printing a secret: its format version, the model it is for, " +
        "its recipient (a passphrase and its KDF, or a device public key), its signer, when it was issued and when it expires",
    )
    .option('--model <dir>', 'also say whether the licence is for this model directory');
  addCommonOptions(inspect, { seed: false });
  addExamples(inspect, ['edgepro licence inspect device1.licence --model models/protected', 'edgepro licence inspect trial.licence --json']);
  inspect.action(async (file: string, flags: LicenceInspectFlags) => {
    const { runLicenceInspect } = await import('./licence_inspect_run.js');
    await runLicenceInspect(file, flags);
  });
}

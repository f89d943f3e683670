/**
 * Class names on the command line, as docs/CLI.md's tabular example runs them: `train --csv data.csv --label species`
 * stores the CSV's label names in model.json, `protect` keeps them (or takes `--class-names`), and `infer` on CSV rows
 * prints each prediction's name and compares names with names.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let dir: string;
const edgepro = (...args: string[]) => runCli(args, { cwd: dir });
const ok = (r: Awaited<ReturnType<typeof edgepro>>) => expect(r.code, r.stderr).toBe(0);
const SPECIES = ['setosa', 'versicolor', 'virginica'];

/** Three well-separated clusters of four features, named like the iris species; rows shuffled by a fixed pattern. */
function speciesCsv(rows: number): string {
  const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  for (let i = 0; i < rows; i++) {
    const k = (i * 7) % 3;
    const jitter = (j: number) => (((i * 31 + j * 17) % 13) / 13 - 0.5) * 0.6;
    const centre = [[5, 3.4, 1.5, 0.2], [6, 2.8, 4.3, 1.3], [6.6, 3, 5.6, 2.1]][k]!;
    lines.push([...centre.map((c, j) => (c + jitter(j)).toFixed(2)), SPECIES[k]].join(','));
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgepro-labels-'));
  await writeFile(join(dir, 'data.csv'), speciesCsv(240));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('class names', () => {
  it("train and protect store the CSV's names; infer shows them and counts its matches by name", async () => {
    ok(await edgepro('train', '--arch', 'mlp', '--csv', 'data.csv', '--label', 'species', '--epochs', '20', '--out', 'models/tabular', '--quiet'));
    const trained = JSON.parse(await readFile(join(dir, 'models/tabular/model.json'), 'utf8'));
    expect(trained.userDefinedMetadata.edgepro.classNames).toEqual(SPECIES);
    // 192 training rows: too few for protect's lock audit (it holds out 10%, at least 30), which it would refuse.
    ok(await edgepro('protect', '--from', 'models/tabular', '--csv', 'data.csv', '--label', 'species', '--epochs', '20', '--no-audit', '--out', 'models/protected', '--quiet'));
    const shipped = JSON.parse(await readFile(join(dir, 'models/protected/model.json'), 'utf8'));
    expect(shipped.userDefinedMetadata.edgepro.classNames).toEqual(SPECIES);
    ok(await edgepro('keygen', 'device', '--out', 'device', '--quiet'));
    ok(await edgepro('licence', 'issue', 'models/protected', '--device-key', 'device.pub', '--out', 'device.licence', '--quiet'));
    const infer = await edgepro('infer', 'models/protected', 'data.csv', '--label', 'species', '--licence', 'device.licence', '--device-key', 'device.key', '--allow-unsigned', '--json');
    ok(infer);
    const result = JSON.parse(infer.stdout) as { matches: number; compared: number; predictions: { class: number; label: string; expected: string }[] };
    expect(result.compared).toBe(240);
    expect(result.matches).toBeGreaterThanOrEqual(216);
    for (const p of result.predictions) expect(p.label).toBe(SPECIES[p.class]);
    const table = await edgepro('infer', 'models/protected', 'data.csv', '--label', 'species', '--licence', 'device.licence', '--device-key', 'device.key', '--allow-unsigned');
    ok(table);
    expect(table.stdout).toMatch(/\bvirginica\b/);
    expect(table.stdout).toMatch(new RegExp(`${result.matches} of 240 inputs predicted as expected`));
  });

  it('--class-names names the classes; a wrong count or a duplicate is one line and exit 2', async () => {
    ok(await edgepro('train', '--arch', 'mlp', '--csv', 'data.csv', '--label', 'species', '--epochs', '2', '--class-names', 'a, b ,c', '--out', 'named', '--quiet'));
    expect(JSON.parse(await readFile(join(dir, 'named/model.json'), 'utf8')).userDefinedMetadata.edgepro.classNames).toEqual(['a', 'b', 'c']);
    for (const names of ['a,b', 'a,a,b']) {
      const r = await edgepro('train', '--arch', 'mlp', '--csv', 'data.csv', '--label', 'species', '--epochs', '1', '--class-names', names, '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--class-names/);
    }
  });
});

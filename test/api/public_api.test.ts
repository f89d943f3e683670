/**
 * The public API, pinned: every name each entry point exports, value or type. A change to the API is then a visible
 * diff of test/api/public_api.json. After a deliberate change, regenerate it with
 * `UPDATE_PUBLIC_API=1 npx vitest run test/api` and review the diff.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pinned = join(root, 'test', 'api', 'public_api.json');
/** package.json's export paths and the files they are compiled from. */
const ENTRIES: Record<string, string> = {
  edgepro: 'src/index.ts',
  'edgepro/runtime': 'src/runtime/index.ts',
  'edgepro/onnx': 'src/onnx.ts',
  'edgepro/node': 'src/node.ts',
};

function exportedNames(): Record<string, string[]> {
  const files = Object.values(ENTRIES).map((f) => join(root, f));
  const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  return Object.fromEntries(
    Object.entries(ENTRIES).map(([entry, file]) => {
      const module = checker.getSymbolAtLocation(program.getSourceFile(join(root, file))!)!;
      const names = checker.getExportsOfModule(module).map((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        return `${symbol.name}${target.flags & ts.SymbolFlags.Value ? '' : ' (type)'}`;
      });
      return [entry, names.sort()];
    }),
  );
}

describe('the public API', () => {
  it('exports exactly the pinned names from each entry point', async () => {
    const actual = exportedNames();
    if (process.env.UPDATE_PUBLIC_API === '1') await writeFile(pinned, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(await readFile(pinned, 'utf8')));
  }, 60_000);

  it('package.json exports every entry point pinned here', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const paths = Object.keys(pkg.exports).filter((p) => p !== './package.json').map((p) => (p === '.' ? 'edgepro' : `edgepro/${p.slice(2)}`));
    expect(paths.sort()).toEqual(Object.keys(ENTRIES).sort());
  });

  it('no internal helper leaks out of the owner library', () => {
    const names = exportedNames().edgepro!;
    for (const internal of ['BatchLocks', 'rebuildModel', 'describeGraph', 'log2SumPow2', 'nextLinearLayer', 'runTrainingLoop', 'cloneLockable', 'canonicalJson', 'openSealed', 'sealWeights']) {
      expect(names.some((n) => n.split(' ')[0] === internal), internal).toBe(false);
    }
  });
});

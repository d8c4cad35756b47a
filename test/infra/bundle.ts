// A module of shared/ bundled the way `cdk synth` bundles a function (BUNDLING of infra/function.ts:
// its aliases, main fields, target and banner), for tests that drive one engine through the
// substitutes function bundles get (Node's zlib in place of pako, the ES module builds) without
// synthesizing the stack.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLING, PROJECT_ROOT } from '#infra/function.ts';

/** Bundles `source` (TypeScript whose imports resolve from the project root, e.g. `#shared/…`) and imports the bundle. */
export async function importBundled<T>(source: string): Promise<T> {
  const outfile = path.join(mkdtempSync(path.join(tmpdir(), 'tideline-bundle-')), 'index.mjs');
  const alias = Object.fromEntries(
    Object.entries(BUNDLING.esbuildArgs)
      .filter(([flag]) => flag.startsWith('--alias:'))
      .map(([flag, target]) => [flag.slice('--alias:'.length), target]),
  );
  await build({
    stdin: { contents: source, resolveDir: PROJECT_ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLING.target,
    mainFields: BUNDLING.mainFields,
    alias,
    banner: { js: BUNDLING.banner },
    logLevel: 'error',
  });
  return (await import(pathToFileURL(outfile).href)) as T;
}

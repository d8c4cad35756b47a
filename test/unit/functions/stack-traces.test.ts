// Stacks of a minified bundle in its TypeScript source: the map is read when a stack is formatted,
// not at start (what --enable-source-maps would cost every cold start).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';

const installer = fileURLToPath(new URL('../../../functions/commons/stack-traces.ts', import.meta.url));

/** Bundles `body` (TypeScript, in shared/thrower.ts) minified, with or without its map, and runs it; returns what it printed. */
function runBundled(body: string, options: { map: boolean; awaited?: boolean }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tideline-stacks-'));
  mkdirSync(path.join(dir, 'shared'));
  writeFileSync(path.join(dir, 'shared', 'thrower.ts'), body);
  writeFileSync(
    path.join(dir, 'entry.ts'),
    `import { installSourceMappedStacks } from ${JSON.stringify(installer)};\n` +
      `import { run } from './shared/thrower.ts';\n` +
      `console.log(JSON.stringify({ installed: installSourceMappedStacks(import.meta.url) }));\n` +
      (options.awaited
        ? `await run().catch((error: Error) => console.log(error.stack));\n`
        : `try { run(); } catch (error) { console.log((error as Error).stack); }\n`),
  );
  const outfile = path.join(dir, 'out', 'index.mjs');
  buildSync({
    entryPoints: [path.join(dir, 'entry.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    sourcemap: options.map,
    sourcesContent: false,
    outfile,
    logLevel: 'silent',
  });
  return execFileSync(process.execPath, [outfile], { encoding: 'utf8' });
}

const THROWER = ['export function run(): void {', '  inner();', '}', '', 'function inner(): void {', "  throw new TypeError('bad input');", '}', ''].join('\n');

describe('source-mapped stacks', () => {
  it('gives the frames of a minified bundle their TypeScript file, line and function', () => {
    // Act
    const printed = runBundled(THROWER, { map: true });

    // Assess
    const [installed, header, first, second] = printed.split('\n');
    assert.equal(installed, '{"installed":true}');
    assert.equal(header, 'TypeError: bad input');
    assert.match(first ?? '', /^ {4}at inner \(shared\/thrower\.ts:6:9\)$/);
    assert.match(second ?? '', /^ {4}at run \(shared\/thrower\.ts:2:3\)$/);
  });

  it('keeps the async marker of an awaited frame and gives no minified name', () => {
    // Prepare
    const body = [
      'export async function run(): Promise<void> {',
      '  await Promise.resolve();',
      '  await inner();',
      '}',
      '',
      'async function inner(): Promise<void> {',
      '  await Promise.resolve();',
      "  throw new TypeError('bad input');",
      '}',
      '',
    ].join('\n');

    // Act
    const printed = runBundled(body, { map: true, awaited: true });

    // Assess
    assert.match(printed, /\n {4}at shared\/thrower\.ts:8:9\n {4}at async shared\/thrower\.ts:3:3\n/);
  });

  it('leaves stacks as V8 gives them when the bundle has no map', () => {
    // Act
    const printed = runBundled(THROWER, { map: false });

    // Assess
    assert.ok(printed.startsWith('{"installed":false}\nTypeError: bad input\n    at '));
    assert.ok(!printed.includes('thrower.ts'), 'no source positions without a map');
  });
});

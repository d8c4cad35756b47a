// The Lambda-like container script (lambda-runner.ts) as plain JavaScript, compiled once per
// process: Lambda's own runtime does not strip TypeScript types at start, so neither should a
// container that stands for it (stripping the runner costs a fresh process tens of milliseconds).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

let compiled: string | undefined;

/** The path of the compiled runner (`<bundle dir> [file.export] [function name] [timeout s]` as its arguments). */
export function lambdaRunnerScript(): string {
  if (compiled) return compiled;
  const source = fileURLToPath(new URL('./lambda-runner.ts', import.meta.url));
  const { code } = transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'esm', target: 'node24', sourcefile: source });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tideline-runner-')), 'lambda-runner.mjs');
  writeFileSync(file, code);
  compiled = file;
  return file;
}

// Shared plumbing of the render conformance tests: finding the fixture cases, running the reference
// `kustomize build` on them, and explaining a byte mismatch in a way a human can act on.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directory holding one sub-directory per conformance case. */
export const casesDir = join(import.meta.dirname, 'cases');

/** One fixture: a small repository tree and the kustomization inside it that gets built. */
export interface ConformanceCase {
  name: string;
  /** The case directory: the repository root the renderer may read from. */
  root: string;
  /** The kustomization directory to build, relative to `root` ('.' for the root itself). */
  buildPath: string;
  /**
   * Set when the case must be refused by both tools: the text of its `REFUSED` file, a pattern
   * kustomize's error must match (Tideline must then throw an InvalidInputError).
   */
  refusal?: RegExp;
}

/**
 * Lists the fixture cases in name order. A case builds its root unless a `BUILD` file names the
 * directory to build (an overlay deeper in the tree, like a real fleet repo); a `REFUSED` file marks a
 * tree kustomize refuses, holding a pattern of its error message.
 */
export function listCases(dir: string = casesDir): ConformanceCase[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const root = join(dir, name);
      const buildFile = join(root, 'BUILD');
      const buildPath = existsSync(buildFile) ? readFileSync(buildFile, 'utf8').trim() : '.';
      const refusedFile = join(root, 'REFUSED');
      if (!existsSync(refusedFile)) return { name, root, buildPath };
      return { name, root, buildPath, refusal: new RegExp(readFileSync(refusedFile, 'utf8').trim()) };
    });
}

/** Outcome of one reference build: the bundle on success, the tool's own words on failure. */
export type ReferenceBuild = { ok: true; yaml: string } | { ok: false; error: string };

/** Runs `kustomize build <dir>` once, bounded in time and output size. */
export function kustomizeBuild(kustomize: string, dir: string, timeoutMs = 60_000): Promise<ReferenceBuild> {
  return new Promise((resolve) => {
    execFile(kustomize, ['build', dir], { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) resolve({ ok: false, error: `kustomize build ${dir} failed: ${stderr.trim() || error.message}` });
      else resolve({ ok: true, yaml: stdout });
    });
  });
}

/** Runs `work` over `items` with at most `limit` in flight, keeping results in input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Describes where two bundles first differ: the line number and a few lines of each around it, with
 * invisible characters made visible, because a failing byte comparison of two long YAML streams is
 * useless without knowing where to look.
 */
export function describeMismatch(expected: string, actual: string, context = 4): string {
  const want = expected.split('\n');
  const got = actual.split('\n');
  let line = 0;
  while (line < want.length && line < got.length && want[line] === got[line]) line++;
  const from = Math.max(0, line - context);
  const show = (lines: string[]): string =>
    lines
      .slice(from, line + context + 1)
      .map((text, i) => `${String(from + i + 1).padStart(5)}${from + i === line ? ' >' : '  '} ${JSON.stringify(text)}`)
      .join('\n');
  return [
    `first difference at line ${line + 1} (kustomize: ${want.length} lines, tideline: ${got.length} lines)`,
    '--- kustomize build',
    show(want),
    '+++ tideline render',
    show(got),
  ].join('\n');
}

/**
 * Builds `buildPath` below `root` with both tools and fails (with a located diff) unless they print
 * the same bytes or both refuse the input. Resolves to 'both-failed' in the latter case.
 */
export async function expectSameAsKustomize(
  kustomize: string,
  render: (root: string, path: string) => Promise<string>,
  root: string,
  buildPath: string,
): Promise<'same' | 'both-failed'> {
  const reference = await kustomizeBuild(kustomize, join(root, buildPath));
  let rendered: string | Error;
  try {
    rendered = await render(root, buildPath);
  } catch (error) {
    rendered = error instanceof Error ? error : new Error(String(error));
  }
  if (!reference.ok) {
    if (!(rendered instanceof Error)) throw new Error(`kustomize refused this tree but tideline rendered it:\n${reference.error}`);
    return 'both-failed';
  }
  if (rendered instanceof Error) throw new Error(`tideline failed where kustomize succeeded: ${rendered.message}`);
  if (rendered !== reference.yaml) throw new Error(describeMismatch(reference.yaml, rendered));
  return 'same';
}

/**
 * Kubeconfig files as kubectl finds and reads them: `--kubeconfig` alone when given, otherwise every
 * file of `$KUBECONFIG` (a path list) merged, otherwise `~/.kube/config`.
 *
 * Merging follows kubectl: clusters, users and contexts are taken by name from the first file that
 * defines them, `current-context` from the first file that sets one, and files of the list that do
 * not exist are skipped. Relative file references (`certificate-authority`, `client-certificate`,
 * `client-key`, `tokenFile`) are resolved against the directory of the file they are written in,
 * so a merged document refers to the same files as its parts did.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { InvalidInputError } from '#shared/errors/index.ts';

interface Named {
  name?: unknown;
}

interface KubeconfigDocument {
  'current-context'?: unknown;
  clusters?: (Named & { cluster?: Record<string, unknown> })[];
  users?: (Named & { user?: Record<string, unknown> })[];
  contexts?: Named[];
}

/** A kubeconfig ready to use: its text (references absolute) and where it came from, for messages. */
export interface LoadedKubeconfig {
  text: string;
  /** The file, or the files joined with the path delimiter when several were merged. */
  source: string;
  /** Context names in the order kubectl lists them. */
  contexts: string[];
  /** The directories of the files read: where their credential files may live by default. */
  directories: string[];
}

/**
 * The kubeconfig files kubectl would read: `explicit` (a `--kubeconfig` flag) alone, else the
 * entries of `KUBECONFIG` (empty entries and repeats dropped), else `~/.kube/config`.
 */
export function kubeconfigPaths(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [explicit];
  const listed = [...new Set((env['KUBECONFIG'] ?? '').split(delimiter).filter((path) => path !== ''))];
  return listed.length > 0 ? listed : [join(homedir(), '.kube', 'config')];
}

/**
 * Reads and merges `paths` (see the module comment). A single path must exist; in a list, missing
 * files are skipped as long as one exists. Parse errors name the file and line, never its text
 * (a kubeconfig holds credentials).
 */
export async function loadKubeconfig(paths: readonly string[]): Promise<LoadedKubeconfig> {
  const parts: { path: string; raw: string; document: KubeconfigDocument }[] = [];
  for (const path of paths) {
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (error) {
      if (paths.length > 1 && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new InvalidInputError(`cannot read kubeconfig: ${(error as Error).message}`, { source: { file: path }, cause: error });
    }
    parts.push({ path, raw, document: parseDocument(raw, path) });
  }
  const source = paths.join(delimiter);
  if (parts.length === 0) throw new InvalidInputError(`none of the kubeconfig files exists (${paths.join(', ')})`, { source: { file: source } });

  const directories = [...new Set(parts.map((part) => dirname(resolve(part.path))))];
  if (parts.length === 1) {
    const [only] = parts as [(typeof parts)[number]];
    const changed = absolutize(only.document, dirname(resolve(only.path)));
    return { text: changed ? yaml.dump(only.document) : only.raw, source: only.path, contexts: names(only.document.contexts), directories };
  }
  const merged: Required<Pick<KubeconfigDocument, 'clusters' | 'users' | 'contexts'>> & { 'current-context'?: string } = {
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const { path, document } of parts) {
    absolutize(document, dirname(resolve(path)));
    const current = document['current-context'];
    if (merged['current-context'] === undefined && typeof current === 'string' && current !== '') merged['current-context'] = current;
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const have = new Set(names(merged[key]));
      for (const entry of listOf(document[key])) {
        if (typeof entry?.name === 'string' && !have.has(entry.name)) {
          merged[key].push(entry);
          have.add(entry.name);
        }
      }
    }
  }
  return { text: yaml.dump({ apiVersion: 'v1', kind: 'Config', ...merged }), source, contexts: names(merged.contexts), directories };
}

function parseDocument(raw: string, path: string): KubeconfigDocument {
  let document: unknown;
  try {
    document = yaml.load(raw);
  } catch (error) {
    // The parser's message quotes the text, which may hold credentials: only the line is kept.
    const line = (error as { mark?: { line?: number } }).mark?.line;
    throw new InvalidInputError(`not a valid kubeconfig${line === undefined ? '' : ` (syntax error on line ${line + 1})`}`, { source: { file: path } });
  }
  if (document === undefined || document === null) return {};
  if (typeof document !== 'object' || Array.isArray(document))
    throw new InvalidInputError('not a valid kubeconfig: expected a mapping', { source: { file: path } });
  return document as KubeconfigDocument;
}

function listOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

function names(entries: Named[] | undefined): string[] {
  return listOf(entries)
    .map((entry) => entry?.name)
    .filter((name): name is string => typeof name === 'string' && name !== '');
}

/** Makes the relative file references of `document` absolute, in place; true when any changed. */
function absolutize(document: KubeconfigDocument, baseDir: string): boolean {
  let changed = false;
  const fix = (entry: Record<string, unknown> | undefined, key: string): void => {
    const value = entry?.[key];
    if (entry && typeof value === 'string' && value !== '' && !isAbsolute(value)) {
      entry[key] = resolve(baseDir, value);
      changed = true;
    }
  };
  for (const cluster of listOf(document.clusters)) fix(cluster?.cluster, 'certificate-authority');
  for (const user of listOf(document.users)) for (const key of ['client-certificate', 'client-key', 'tokenFile']) fix(user?.user, key);
  return changed;
}

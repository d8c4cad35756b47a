/**
 * Loading the objects of a local directory for `tideline diff` and `tideline apply`: the directory
 * is rendered by Tideline's renderer exactly as the render function would (a kustomization when it
 * has one, else every manifest in it, as Flux does), then parsed into objects.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { renderKustomization } from '#shared/render/index.ts';
import type { KubeObject } from './objects.ts';

/**
 * Renders a directory and returns its objects and the bundle digest. `root` is the tree nothing
 * outside of which is read (default: `dir` itself); an overlay reaching `../base` needs a root
 * above both (the CLI passes the enclosing Git repository, as `tideline render` does).
 * `targetNamespace` is Flux's `spec.targetNamespace`: as in Flux it is a kustomize namespace
 * override, so it sets the namespace of every namespaced object, not only of those that have none.
 */
export async function loadDirectoryObjects(
  dir: string,
  options: { targetNamespace?: string; root?: string } = {},
): Promise<{ objects: KubeObject[]; digest: string }> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new InvalidInputError('not a directory', { source: { file: dir } });
  const absolute = path.resolve(dir);
  const root = path.resolve(options.root ?? absolute);
  const relative = path.relative(root, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new InvalidInputError(`is outside the root ${root}`, { source: { file: dir } });
  const rendered = await renderKustomization({
    root,
    path: relative.split(path.sep).join('/') || '.',
    ...(options.targetNamespace ? { flux: { targetNamespace: options.targetNamespace } } : {}),
  });
  return { objects: parseManifests(rendered.yaml, dir), digest: rendered.digest };
}

/** Parses multi-document YAML into objects; each must have apiVersion, kind and metadata.name. */
export function parseManifests(text: string, file: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    // The parser's full message (kept in a cause) quotes the text around the error, which may be a
    // Secret's data: only its first line, the reason, is kept.
    throw new InvalidInputError(`invalid YAML: ${(error as { reason?: string }).reason ?? 'syntax error'}`, {
      source: { file, ...(mark?.line !== undefined ? { line: mark.line + 1 } : {}) },
    });
  }
  const objects: KubeObject[] = [];
  for (const doc of documents) {
    if (doc === null || doc === undefined) continue;
    const candidate = doc as Partial<KubeObject>;
    if (candidate.kind === 'List' && Array.isArray((doc as { items?: unknown[] }).items)) {
      objects.push(...(doc as { items: KubeObject[] }).items);
      continue;
    }
    if (typeof candidate.apiVersion !== 'string' || typeof candidate.kind !== 'string' || typeof candidate.metadata?.name !== 'string') {
      throw new InvalidInputError('a document lacks apiVersion, kind or metadata.name', { source: { file } });
    }
    objects.push(candidate as KubeObject);
  }
  return objects;
}

/**
 * Loading the objects of a local directory for `tideline diff` and `tideline apply`: a Kustomize
 * directory is rendered with Tideline's renderer, any other directory is read as plain YAML
 * manifests (every `.yaml`, `.yml` and `.json` file, recursively, multi-document).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { KubeObject } from './objects.ts';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Loads the Kubernetes objects a directory describes (rendered when it holds a kustomization). */
export async function loadDirectoryObjects(dir: string): Promise<KubeObject[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidInputError('not a directory', { source: { file: dir } });
  const entries = await readdir(dir);
  if (entries.some((name) => KUSTOMIZATION_FILES.includes(name))) return renderDirectory(dir);
  return loadPlainManifests(dir, dir);
}

/** Renders a Kustomize directory with the render engine (loaded lazily: it is a large module). */
async function renderDirectory(dir: string): Promise<KubeObject[]> {
  const specifier = '#shared/render/index.ts';
  let render: ((dir: string) => Promise<unknown>) | undefined;
  try {
    render = ((await import(specifier)) as { renderKustomization?: (dir: string) => Promise<unknown> }).renderKustomization;
  } catch {
    render = undefined;
  }
  if (!render) throw new InvalidInputError('this directory holds a kustomization, but the render engine is not available in this build; pass a directory of plain manifests', { source: { file: dir } });
  const rendered = await render(dir);
  const text = typeof rendered === 'string' ? rendered : (rendered as { yaml?: string }).yaml;
  if (typeof text === 'string') return parseManifests(text, dir);
  const objects = Array.isArray(rendered) ? rendered : (rendered as { objects?: unknown[] }).objects;
  if (!Array.isArray(objects)) throw new InvalidInputError('the renderer returned no objects', { source: { file: dir } });
  return objects as KubeObject[];
}

async function loadPlainManifests(root: string, dir: string): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  const names = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of names) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) objects.push(...(await loadPlainManifests(root, path)));
    else if (/\.(ya?ml|json)$/.test(entry.name)) objects.push(...parseManifests(await readFile(path, 'utf8'), relative(root, path) || path));
  }
  return objects;
}

/** Parses multi-document YAML into objects; each must have apiVersion, kind and metadata.name. */
export function parseManifests(text: string, file: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    throw new InvalidInputError(`invalid YAML: ${(error as Error).message.split('\n')[0]}`, { source: { file, ...(mark?.line !== undefined ? { line: mark.line + 1 } : {}) }, cause: error });
  }
  const objects: KubeObject[] = [];
  for (const doc of documents) {
    if (doc === null || doc === undefined) continue;
    const candidate = doc as Partial<KubeObject>;
    if (candidate.kind === 'List' && Array.isArray((doc as { items?: unknown[] }).items)) {
      objects.push(...((doc as { items: KubeObject[] }).items));
      continue;
    }
    if (typeof candidate.apiVersion !== 'string' || typeof candidate.kind !== 'string' || typeof candidate.metadata?.name !== 'string') {
      throw new InvalidInputError('a document lacks apiVersion, kind or metadata.name', { source: { file } });
    }
    objects.push(candidate as KubeObject);
  }
  return objects;
}

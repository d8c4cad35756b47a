/**
 * Reading a fleet repository: the Flux objects in its YAML files, and which cluster each concerns.
 *
 * A fleet repo holds many plain manifests next to Flux's own objects; only files that mention a
 * Flux API group (`*.toolkit.fluxcd.io/`) are parsed here, so templates that are not YAML until
 * rendered never break loading the configuration.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';

/** A document of a YAML file in the fleet repo, with its path relative to the repo root. */
export interface FleetDocument {
  value: unknown;
  file: string;
}

const FLUX_GROUP = /toolkit\.fluxcd\.io\//;

/** `clusters/<name>/…` → `<name>`; undefined for files outside a cluster directory. */
export function clusterOfFile(file: string): string | undefined {
  const parts = file.split(/[\\/]/);
  const at = parts.indexOf('clusters');
  return at !== -1 && parts.length > at + 2 ? parts[at + 1] : undefined;
}

/** Parses every YAML document of a file's text (empty documents skipped, `kind: List` items unpacked). */
export function parseYamlDocuments(text: string, file: string): FleetDocument[] {
  let values: unknown[];
  try {
    // The core schema: no timestamps or other implicit types a Flux object never means.
    values = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
  } catch (cause) {
    throw new InvalidInputError(`invalid YAML: ${(cause as Error).message.split('\n')[0]}`, { source: { file }, cause });
  }
  const out: FleetDocument[] = [];
  for (const value of values) {
    if (value === null || value === undefined) continue;
    const list = value as { kind?: unknown; items?: unknown };
    if (list.kind === 'List' && Array.isArray(list.items)) for (const item of list.items) out.push({ value: item, file });
    else out.push({ value, file });
  }
  return out;
}

/**
 * Every document of the YAML files below `root` (or below `options.dir`, a directory inside it)
 * that mention a Flux API group, in path order, with paths relative to `root` in `/` form,
 * skipping dot-directories and `node_modules`. Throws NotFoundError when the directory does not exist.
 */
export async function readFleetDocuments(root: string, options: { dir?: string } = {}): Promise<FleetDocument[]> {
  const documents: FleetDocument[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(full);
      } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
        const text = await readFile(full, 'utf8');
        if (FLUX_GROUP.test(text)) documents.push(...parseYamlDocuments(text, path.relative(root, full).split(path.sep).join('/')));
      }
    }
  };
  const start = options.dir ?? root;
  try {
    await walk(start);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`fleet directory ${start} does not exist`, { cause });
    throw cause;
  }
  return documents;
}

/** True when `value` is an object of the given Flux kind and API group (`kustomize`, `notification`, `source`). */
export function isFluxKind(value: unknown, group: 'kustomize' | 'notification' | 'source', kind: string): boolean {
  const object = value as { apiVersion?: unknown; kind?: unknown } | null;
  return object?.kind === kind && typeof object.apiVersion === 'string' && object.apiVersion.startsWith(`${group}.toolkit.fluxcd.io/`);
}

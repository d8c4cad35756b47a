/**
 * `configMapGenerator` and `secretGenerator`: objects built from literals, files and env files,
 * merged into or replacing existing ones by `behavior`, named with kustomize's content hash unless
 * disabled.
 */
import path from 'node:path';
import { YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { scalarText } from './yaml/go-value.ts';
import type { BuildContext, Kustomization } from './kustomize.ts';
import { Resource, ensureMap, getNode, getString, mapGet, mapSet, plainScalar, stringScalar } from './resource.ts';

function strings(node: unknown, file: string, field: string): string[] {
  if (node === undefined || node === null) return [];
  if (!isSeq(node)) throw new InvalidInputError(`generator "${field}" must be a list`, { source: { file } });
  return node.items.map((item) => (isScalar(item) ? String(item.value ?? '') : ''));
}

function record(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(node)) return out;
  for (const pair of node.items) if (isScalar(pair.key)) out[scalarText(pair.key) ?? ''] = isScalar(pair.value) ? (scalarText(pair.value) ?? '') : '';
  return out;
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) return value.slice(1, -1);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function validUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Base64 as kustomize writes generated data: values of 70 characters or more broken into 70-character lines, each ending in a newline. */
export function encodeBase64Lines(bytes: Buffer): string {
  const encoded = bytes.toString('base64');
  if (encoded.length < 70) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += 70) out += encoded.slice(i, i + 70) + '\n';
  return out;
}

/** Parses an env file as kustomize does: KEY=VALUE lines (a bare KEY has an empty value), `#` comments and blank lines skipped. */
export function parseEnvFile(text: string, file: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    // A line without `=` is a key with an empty value, as in kustomize (which, unlike Docker's env
    // files, does not look the key up in its own environment; neither does Tideline).
    const eq = trimmed.indexOf('=');
    const key = eq < 0 ? trimmed : trimmed.slice(0, eq);
    // The key is not quoted: a malformed line (`TOKEN: <value>`) would put its value in the message.
    if (/\s/.test(key) || key === '')
      throw new InvalidInputError(`invalid env key: ${key === '' ? 'the key before "=" is empty' : 'the key contains whitespace'}`, {
        source: { file, line: index + 1 },
      });
    out.push([key, eq < 0 ? '' : trimmed.slice(eq + 1)]);
  });
  return out;
}

/** Generates (or merges) the ConfigMaps/Secrets of one generator list. */
export async function generateObjects(
  ctx: BuildContext,
  k: Kustomization,
  kind: 'ConfigMap' | 'Secret',
  items: unknown[],
  globalOptions: YAMLMap | undefined,
  resources: Resource[],
): Promise<Resource[]> {
  const out = [...resources];
  for (const item of items) {
    if (!isMap(item)) throw new InvalidInputError(`${kind} generator entries must be mappings`, { source: { file: k.file } });
    const name = getString(item, ['name']);
    if (!name) throw new InvalidInputError(`a ${kind} generator needs a name`, { source: { file: k.file } });
    const namespace = getString(item, ['namespace']);
    // kustomize reads `add` as `create` (any other value it does not know too; those are refused
    // here, since a misspelt `merge` would otherwise quietly create a second object).
    const written = getString(item, ['behavior']) ?? 'create';
    const behavior = written === 'add' ? 'create' : written;
    if (!['create', 'merge', 'replace'].includes(behavior))
      throw new InvalidInputError(`generator ${name}: unknown behavior "${behavior}"`, { source: { file: k.file } });
    const entries: [string, string | Buffer][] = [];
    for (const [position, literal] of strings(mapGet(item, 'literals'), k.file, 'literals').entries()) {
      const eq = literal.indexOf('=');
      // Without "=" there is no key to name, and the text may be the value itself (`password:<value>`).
      if (eq < 0) throw new InvalidInputError(`generator ${name}: literals entry ${position + 1} is not KEY=VALUE (no "=")`, { source: { file: k.file } });
      entries.push([literal.slice(0, eq), unquote(literal.slice(eq + 1))]);
    }
    for (const spec of strings(mapGet(item, 'files'), k.file, 'files')) {
      const eq = spec.indexOf('=');
      const key = eq >= 0 ? spec.slice(0, eq) : path.basename(spec);
      const ref = eq >= 0 ? spec.slice(eq + 1) : spec;
      const absolute = await ctx.fs.resolve(k.dir, ref, k.file);
      entries.push([key, await ctx.fs.read(absolute)]);
    }
    const envRefs = strings(mapGet(item, 'envs'), k.file, 'envs');
    const env = getString(item, ['env']);
    if (env) envRefs.push(env);
    for (const ref of envRefs) {
      const absolute = await ctx.fs.resolve(k.dir, ref, k.file);
      entries.push(...parseEnvFile(await ctx.fs.readText(absolute), ctx.fs.display(absolute)));
    }
    const seen = new Set<string>();
    for (const [key] of entries) {
      if (seen.has(key)) throw new InvalidInputError(`generator ${name}: key "${key}" appears more than once`, { source: { file: k.file } });
      seen.add(key);
    }

    const options = mergeOptions(globalOptions, getNode(item, ['options']));
    const node = new YAMLMap();
    mapSet(node, 'apiVersion', stringScalar('v1'));
    mapSet(node, 'kind', stringScalar(kind));
    const metadata = ensureMap(node, ['metadata']);
    mapSet(metadata, 'name', stringScalar(name));
    if (namespace) mapSet(metadata, 'namespace', stringScalar(namespace));
    if (Object.keys(options.labels).length > 0) {
      const labels = ensureMap(metadata, ['labels']);
      for (const [key, value] of Object.entries(options.labels)) mapSet(labels, key, stringScalar(value));
    }
    if (Object.keys(options.annotations).length > 0) {
      const annotations = ensureMap(metadata, ['annotations']);
      for (const [key, value] of Object.entries(options.annotations)) mapSet(annotations, key, stringScalar(value));
    }
    if (kind === 'Secret') mapSet(node, 'type', stringScalar(getString(item, ['type']) ?? 'Opaque'));
    // kustomize always gives a generated Secret its `data` map (printed `data: {}` when empty, and
    // part of the hash); a ConfigMap only gets one when it has entries.
    if (kind === 'Secret') ensureMap(node, ['data']);
    for (const [key, value] of entries) {
      const bytes = typeof value === 'string' ? Buffer.from(value) : value;
      const text = typeof value === 'string' ? value : validUtf8(value);
      if (kind === 'Secret') mapSet(ensureMap(node, ['data']), key, stringScalar(encodeBase64Lines(bytes)));
      else if (text !== undefined) mapSet(ensureMap(node, ['data']), key, stringScalar(text));
      else mapSet(ensureMap(node, ['binaryData']), key, stringScalar(encodeBase64Lines(bytes)));
    }
    if (options.immutable) mapSet(node, 'immutable', plainScalar('true'));

    const generated = new Resource(node, k.file);
    generated.generated = true;
    generated.needsHash = !options.disableHash;

    if (behavior === 'create') {
      out.push(generated);
      continue;
    }
    const existing = out.find(
      (r) => r.kind === kind && r.nameHistory[0] === name && (namespace === undefined || r.namespace === namespace || r.originalNamespace === namespace),
    );
    if (!existing) throw new InvalidInputError(`generator ${name}: behavior ${behavior} needs an existing ${kind} named ${name}`, { source: { file: k.file } });
    if (behavior === 'replace') {
      const data = getNode(node, ['data']);
      const target = existing.node;
      if (data) mapSet(target, 'data', data);
      else mapSet(target, 'data', new YAMLMap());
    } else {
      const data = getNode(node, ['data']);
      if (isMap(data)) {
        const target = ensureMap(existing.node, ['data']);
        for (const pair of data.items) mapSet(target, scalarText(pair.key) ?? '', pair.value as never);
      }
    }
    for (const field of ['labels', 'annotations'] as const) {
      const values = options[field];
      if (Object.keys(values).length === 0) continue;
      const target = ensureMap(existing.node, ['metadata', field]);
      for (const [key, value] of Object.entries(values)) mapSet(target, key, stringScalar(value));
    }
    // A merging generator that disables the hash (itself or through generatorOptions) turns it off.
    if (options.disableHash) existing.needsHash = false;
  }
  return out;
}

interface GeneratorOptions {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  disableHash: boolean;
  immutable: boolean;
}

function mergeOptions(global: YAMLMap | undefined, local: unknown): GeneratorOptions {
  const read = (node: unknown): Partial<GeneratorOptions> => {
    if (!isMap(node)) return {};
    const out: Partial<GeneratorOptions> = { labels: record(mapGet(node, 'labels')), annotations: record(mapGet(node, 'annotations')) };
    const disable = getString(node, ['disableNameSuffixHash']);
    if (disable !== undefined) out.disableHash = disable === 'true';
    const immutable = getString(node, ['immutable']);
    if (immutable !== undefined) out.immutable = immutable === 'true';
    return out;
  };
  const g = read(global);
  const l = read(local);
  return {
    labels: { ...g.labels, ...l.labels },
    annotations: { ...g.annotations, ...l.annotations },
    disableHash: (g.disableHash ?? false) || (l.disableHash ?? false),
    immutable: l.immutable ?? g.immutable ?? false,
  };
}

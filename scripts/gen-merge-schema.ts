// Generates shared/render/merge/k8s-merge-schema.json, the merge-key table of the strategic merge
// patch, from the OpenAPI document of a real kube-apiserver.
//
//   node scripts/gen-merge-schema.ts                 # starts (or reuses) the test environment's API server
//   node scripts/gen-merge-schema.ts --from doc.json # reads a saved /openapi/v2 document instead
//
// Only what a strategic merge needs is kept: object fields, array items and map values that can hold
// structure, each list's x-kubernetes-patch-strategy and merge keys (x-kubernetes-list-map-keys when
// present, else x-kubernetes-patch-merge-key). Definitions without any merge strategy below them
// collapse to `1` ("known, replace lists whole"), which keeps the table small.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

interface OpenApiSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

interface OpenApiDocument {
  info?: { version?: string };
  definitions: Record<string, OpenApiSchema>;
}

type SchemaNode = 1 | { r?: string; f?: Record<string, SchemaNode>; i?: SchemaNode; a?: SchemaNode; s?: string; k?: string[] };

const outputFile = join(import.meta.dirname, '..', 'shared', 'render', 'merge', 'k8s-merge-schema.json');
const execFileAsync = promisify(execFile);

async function fetchOpenApi(): Promise<{ doc: OpenApiDocument; origin: string }> {
  const fromIndex = process.argv.indexOf('--from');
  const fromFile = fromIndex >= 0 ? process.argv[fromIndex + 1] : undefined;
  if (fromFile !== undefined) return { doc: JSON.parse(readFileSync(fromFile, 'utf8')) as OpenApiDocument, origin: fromFile };
  const { getTestEnv } = await import('#test/env/index.ts');
  const env = await getTestEnv();
  const { stdout } = await execFileAsync(env.tools.kubectl, ['--kubeconfig', env.kube.kubeconfigPath, 'get', '--raw', '/openapi/v2'], {
    maxBuffer: 512 * 1024 * 1024,
    timeout: 120_000,
  });
  const { stdout: version } = await execFileAsync(env.tools.kubectl, ['--kubeconfig', env.kube.kubeconfigPath, 'get', '--raw', '/version'], {
    timeout: 30_000,
  });
  const gitVersion = (JSON.parse(version) as { gitVersion?: string }).gitVersion ?? 'unknown';
  return { doc: JSON.parse(stdout) as OpenApiDocument, origin: `kube-apiserver ${gitVersion} /openapi/v2` };
}

function refName(ref: string): string {
  return ref.replace(/^#\/definitions\//, '');
}

/** Builds the pruned table: a definition survives as structure only if a merge strategy lies below it. */
function buildTable(doc: OpenApiDocument): { gvk: Record<string, string>; defs: Record<string, SchemaNode> } {
  const memo = new Map<string, boolean>();
  const visiting = new Set<string>();

  // Does this schema (or anything it references) carry a patch strategy?
  const interesting = (schema: OpenApiSchema | undefined): boolean => {
    if (schema === undefined) return false;
    if (schema['x-kubernetes-patch-strategy'] !== undefined) return true;
    if (schema.$ref !== undefined) return definitionInteresting(refName(schema.$ref));
    if (schema.properties && Object.values(schema.properties).some(interesting)) return true;
    if (schema.items && interesting(schema.items)) return true;
    if (typeof schema.additionalProperties === 'object' && interesting(schema.additionalProperties)) return true;
    return false;
  };
  const definitionInteresting = (name: string): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return false; // recursive types (JSONSchemaProps) are decided by their other branches
    visiting.add(name);
    const result = interesting(doc.definitions[name]);
    visiting.delete(name);
    memo.set(name, result);
    return result;
  };

  const isStructural = (schema: OpenApiSchema): boolean =>
    schema.$ref !== undefined || schema.type === 'object' || schema.type === 'array' || schema.properties !== undefined;

  // A definition converted on its own: its `$ref` is what points at it, not part of it.
  const withoutRef = ({ $ref: _ref, ...schema }: OpenApiSchema): OpenApiSchema => schema;
  const convert = (schema: OpenApiSchema): SchemaNode => {
    if (schema.$ref !== undefined) {
      const name = refName(schema.$ref);
      return definitionInteresting(name) ? { r: name } : 1;
    }
    if (!interesting(schema)) return 1;
    const node: Exclude<SchemaNode, 1> = {};
    if (schema.properties) {
      const fields: Record<string, SchemaNode> = {};
      for (const [field, sub] of Object.entries(schema.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (isStructural(sub)) fields[field] = convert(sub);
      }
      if (Object.keys(fields).length > 0) node.f = fields;
    }
    if (schema.items && isStructural(schema.items)) node.i = convert(schema.items);
    if (typeof schema.additionalProperties === 'object' && isStructural(schema.additionalProperties)) node.a = convert(schema.additionalProperties);
    const strategy = schema['x-kubernetes-patch-strategy'];
    if (strategy !== undefined) {
      node.s = strategy;
      const keys = schema['x-kubernetes-list-map-keys'] ?? (schema['x-kubernetes-patch-merge-key'] ? [schema['x-kubernetes-patch-merge-key']] : []);
      if (keys.length > 0) node.k = keys;
    }
    return node;
  };

  const gvk: Record<string, string> = {};
  const defs: Record<string, SchemaNode> = {};
  const needed: string[] = [];
  for (const [name, schema] of Object.entries(doc.definitions)) {
    for (const id of schema['x-kubernetes-group-version-kind'] ?? []) {
      // Only top-level kinds: option and list types carry GVKs too but are never patched.
      if (id.kind.endsWith('List') || id.kind.endsWith('Options') || id.kind === 'WatchEvent' || id.kind === 'Status') continue;
      const apiVersion = id.group === '' ? id.version : `${id.group}/${id.version}`;
      gvk[`${apiVersion}/${id.kind}`] = name;
      needed.push(name);
    }
  }
  const seen = new Set<string>();
  while (needed.length > 0) {
    const name = needed.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const schema = doc.definitions[name];
    if (schema === undefined) continue;
    const node = definitionInteresting(name) ? convert(withoutRef(schema)) : 1;
    defs[name] = node;
    const collect = (n: SchemaNode): void => {
      if (n === 1) return;
      if (n.r !== undefined) needed.push(n.r);
      for (const sub of Object.values(n.f ?? {})) collect(sub);
      if (n.i !== undefined) collect(n.i);
      if (n.a !== undefined) collect(n.a);
    };
    collect(node);
  }
  const sortedGvk = Object.fromEntries(Object.entries(gvk).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const sortedDefs = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { gvk: sortedGvk, defs: sortedDefs };
}

// --- kustomize compatibility ----------------------------------------------------------------
// kustomize merges with the Kubernetes schema compiled into it (v1.21.2 for kustomize v5), not with
// the API server's. Rendering must match `kustomize build`, so every merge strategy of the table is
// checked against the reference binary: one object per (kind, list) with one element in the list
// and a patch adding another. Two elements afterwards: kustomize merges that list. One: it replaces
// it, so the strategy is dropped here (the list did not exist, or had no strategy, in its schema).
// A kind whose metadata.finalizers are replaced is unknown to kustomize as a whole and is dropped.

type Step = { field: string } | { element: string[] };
interface Probe {
  apiVersion: string;
  kind: string;
  steps: Step[];
  keys: string[];
  /** Definition and field holding the probed list, where its strategy is recorded. */
  owner: { def: string; field: string } | undefined;
}

function resolveNode(defs: Record<string, SchemaNode>, node: SchemaNode | undefined): { node: SchemaNode | undefined; def: string | undefined } {
  let current = node;
  let def: string | undefined;
  for (let hops = 0; hops < 16 && current !== undefined && current !== 1 && current.r !== undefined; hops++) {
    def = current.r;
    current = defs[current.r];
  }
  return { node: current, def };
}

function listProbes(gvk: Record<string, string>, defs: Record<string, SchemaNode>): Probe[] {
  const probes: Probe[] = [];
  for (const [id, defName] of Object.entries(gvk)) {
    const slash = id.lastIndexOf('/');
    const apiVersion = id.slice(0, slash);
    const kind = id.slice(slash + 1);
    const visit = (raw: SchemaNode | undefined, def: string | undefined, steps: Step[], depth: number): void => {
      const { node, def: resolvedDef } = resolveNode(defs, raw);
      const owner = resolvedDef ?? def;
      if (node === undefined || node === 1 || depth > 14) return;
      for (const [field, sub] of Object.entries(node.f ?? {})) {
        const child = resolveNode(defs, sub).node;
        if (child === undefined || child === 1) continue;
        if (child.s !== undefined && child.s.split(',').includes('merge')) {
          const keys = child.k ?? [];
          probes.push({ apiVersion, kind, steps: [...steps, { field }], keys, owner: owner === undefined ? undefined : { def: owner, field } });
          // Descend into elements only through lists kustomize merges, as its walker does.
          if (child.i !== undefined && keys.length > 0) visit(child.i, undefined, [...steps, { field }, { element: keys }], depth + 1);
        } else if (child.i === undefined) {
          visit(sub, owner, [...steps, { field }], depth + 1);
        }
      }
    };
    visit({ r: defName }, defName, [], 0);
  }
  return probes;
}

function probeValue(steps: Step[], leaf: unknown): unknown {
  if (steps.length === 0) return leaf;
  const [first, ...rest] = steps as [Step, ...Step[]];
  if ('field' in first) return { [first.field]: probeValue(rest, leaf) };
  const element = Object.fromEntries(first.element.map((key) => [key, 'probe'])) as Record<string, unknown>;
  const inner = probeValue(rest, leaf) as Record<string, unknown>;
  return [{ ...element, ...inner }];
}

function probeElement(keys: string[], value: string): unknown {
  return keys.length === 0 ? value : Object.fromEntries(keys.map((key) => [key, value]));
}

function readProbed(object: unknown, steps: Step[]): unknown {
  let current = object;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = 'field' in step ? (current as Record<string, unknown>)[step.field] : (current as unknown[])[0];
  }
  return current;
}

async function kustomizeMerges(probes: Probe[]): Promise<boolean[]> {
  const { ensureBinaries } = await import('#test/env/build.ts');
  const { kustomize } = await ensureBinaries();
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tideline-merge-probe-'));
  try {
    const objects = probes.map((probe, i) => {
      const body = probeValue(probe.steps, [probeElement(probe.keys, 'a')]) as Record<string, unknown>;
      const metadata = { ...((body.metadata as Record<string, unknown> | undefined) ?? {}), name: `probe-${i}` };
      return { apiVersion: probe.apiVersion, kind: probe.kind, ...body, metadata };
    });
    const patches = probes.map((probe, i) => {
      const body = probeValue(probe.steps, [probeElement(probe.keys, 'b')]) as Record<string, unknown>;
      const metadata = { ...((body.metadata as Record<string, unknown> | undefined) ?? {}), name: `probe-${i}` };
      return { apiVersion: probe.apiVersion, kind: probe.kind, ...body, metadata };
    });
    writeFileSync(join(dir, 'objects.yaml'), objects.map((o) => JSON.stringify(o)).join('\n---\n'));
    writeFileSync(join(dir, 'patches.yaml'), patches.map((o) => JSON.stringify(o)).join('\n---\n'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [objects.yaml]\npatches:\n  - path: patches.yaml\n');
    const { stdout } = await execFileAsync(kustomize, ['build', dir], { maxBuffer: 512 * 1024 * 1024, timeout: 300_000 });
    const { parseAllDocuments } = await import('yaml');
    const byName = new Map<string, unknown>();
    for (const document of parseAllDocuments(stdout)) {
      const value = document.toJS() as { metadata?: { name?: string } } | null;
      if (value?.metadata?.name !== undefined) byName.set(value.metadata.name, value);
    }
    return probes.map((probe, i) => {
      const list = readProbed(byName.get(`probe-${i}`), probe.steps);
      return Array.isArray(list) && list.length === 2;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dropStrategy(defs: Record<string, SchemaNode>, owner: { def: string; field: string }): void {
  const def = defs[owner.def];
  if (def === undefined || def === 1) return;
  const field = def.f?.[owner.field];
  const target = resolveNode(defs, field).node;
  if (target === undefined || target === 1) return;
  delete target.s;
  delete target.k;
}

const { doc, origin } = await fetchOpenApi();
const { gvk, defs } = buildTable(doc);
const notes: string[] = [];
if (!process.argv.includes('--no-kustomize-probe')) {
  const probes = listProbes(gvk, defs);
  const merges = await kustomizeMerges(probes);
  const unknownKinds = new Set<string>();
  probes.forEach((probe, i) => {
    const isFinalizers =
      probe.steps.length === 2 &&
      'field' in probe.steps[0]! &&
      probe.steps[0].field === 'metadata' &&
      'field' in probe.steps[1]! &&
      probe.steps[1].field === 'finalizers';
    if (isFinalizers && !merges[i]) unknownKinds.add(`${probe.apiVersion}/${probe.kind}`);
  });
  for (const id of unknownKinds) delete gvk[id];
  const dropped = new Set<string>();
  probes.forEach((probe, i) => {
    if (merges[i] || unknownKinds.has(`${probe.apiVersion}/${probe.kind}`) || probe.owner === undefined) return;
    dropStrategy(defs, probe.owner);
    dropped.add(`${probe.owner.def}.${probe.owner.field}`);
  });
  notes.push(`kinds unknown to kustomize (lists replaced): ${[...unknownKinds].sort().join(', ') || 'none'}`);
  notes.push(`fields kustomize replaces although the API server merges them: ${[...dropped].sort().join(', ') || 'none'}`);
  process.stdout.write(`checked ${probes.length} merge strategies against kustomize build\n${notes.join('\n')}\n`);
}
const output = {
  source: origin,
  regenerate: 'node scripts/gen-merge-schema.ts',
  kustomizeCompatibility: notes,
  gvk,
  defs,
};
writeFileSync(outputFile, `${JSON.stringify(output)}\n`);
process.stdout.write(`wrote ${outputFile}: ${Object.keys(gvk).length} kinds, ${Object.keys(defs).length} definitions from ${origin}\n`);
process.exit(0);

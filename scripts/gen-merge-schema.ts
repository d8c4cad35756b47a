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
    const node = definitionInteresting(name) ? convert({ ...schema, $ref: undefined }) : 1;
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

const { doc, origin } = await fetchOpenApi();
const { gvk, defs } = buildTable(doc);
const output = {
  source: origin,
  regenerate: 'node scripts/gen-merge-schema.ts',
  gvk,
  defs,
};
writeFileSync(outputFile, `${JSON.stringify(output)}\n`);
process.stdout.write(`wrote ${outputFile}: ${Object.keys(gvk).length} kinds, ${Object.keys(defs).length} definitions from ${origin}\n`);
process.exit(0);

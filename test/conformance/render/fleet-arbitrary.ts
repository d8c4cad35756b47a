// fast-check generators of small fleet repositories (an app base and one or two overlays) that
// exercise the renderer's features together: labels, prefixes and suffixes, namespaces, images,
// replicas, strategic-merge and JSON 6902 patches, ConfigMap and Secret generators.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';

/** A generated repository: file paths (relative) to contents, and the directory to build. */
export interface GeneratedTree {
  files: Record<string, string>;
  buildPath: string;
}

interface App {
  name: string;
  image: string;
  tag: string;
  port: number;
  env: [string, string][];
  withService: boolean;
  withConfig: boolean;
}

// Words YAML 1.1 reads as booleans or null are kept out of names: kustomize would refuse them.
const yaml11Words = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);
const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/).filter((name) => !yaml11Words.has(name));
// Values chosen to stress scalar typing and quoting on the way out: numbers, booleans and nulls in
// YAML 1.1 or 1.2 spellings, dates, leading zeros, spaces, and plain words.
const trickyValue = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{1,8}$/),
  fc.constantFrom('true', 'false', 'yes', 'no', 'on', 'off', 'null', '~', '1', '0123', '1.5', '1e3', '0x1F', '2024-01-01', 'a b', 'v1.2.3', '-', ''),
);
const labelKey = fc.oneof(
  dnsLabel,
  dnsLabel.map((key) => `example.com/${key}`),
  dnsLabel.map((key) => `app.kubernetes.io/${key}`),
);
const labelValue = fc.oneof(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom('true', '1', '0123', 'yes', '1.5', 'null'));
const labels = fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 3 });

const appArb: fc.Arbitrary<App> = fc.record({
  name: dnsLabel,
  image: fc.constantFrom('nginx', 'registry.example.com/shop/api', 'ghcr.io/acme/worker', 'localhost:5000/tool'),
  tag: fc.constantFrom('1.0', '1.25.3', 'latest', 'v2'),
  port: fc.integer({ min: 1, max: 65535 }),
  env: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), trickyValue), { maxLength: 3, selector: ([key]) => key }),
  withService: fc.boolean(),
  withConfig: fc.boolean(),
});

interface Overlay {
  namespace: string | undefined;
  namePrefix: string | undefined;
  nameSuffix: string | undefined;
  labels: { pairs: Record<string, string>; includeSelectors: boolean; includeTemplates: boolean } | undefined;
  commonLabels: Record<string, string> | undefined;
  commonAnnotations: Record<string, string> | undefined;
  images: { newTag: string | undefined; newName: string | undefined; digest: boolean }[];
  replicas: number[];
  smpEnv: [string, string] | undefined;
  smpResources: boolean;
  jsonAnnotation: string | undefined;
  jsonReplicas: number | undefined;
  generatorLiterals: [string, string][];
  mergeBaseConfig: boolean;
  secretLiterals: [string, string][];
  disableHash: boolean;
  component: { label: string; replicas: number | undefined } | undefined;
  replacement: boolean;
  sortFifo: boolean;
}

const overlayArb: fc.Arbitrary<Overlay> = fc.record({
  namespace: fc.option(dnsLabel, { nil: undefined }),
  namePrefix: fc.option(
    dnsLabel.map((p) => `${p}-`),
    { nil: undefined },
  ),
  nameSuffix: fc.option(
    dnsLabel.map((s) => `-${s}`),
    { nil: undefined },
  ),
  labels: fc.option(fc.record({ pairs: labels, includeSelectors: fc.boolean(), includeTemplates: fc.boolean() }), { nil: undefined }),
  commonLabels: fc.option(labels, { nil: undefined }),
  commonAnnotations: fc.option(fc.dictionary(labelKey, trickyValue, { minKeys: 1, maxKeys: 3 }), { nil: undefined }),
  images: fc.array(
    fc.record({
      newTag: fc.option(fc.constantFrom('2.0', '1.26.0', 'stable', '20240101'), { nil: undefined }),
      newName: fc.option(fc.constantFrom('mirror.example.com/app', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app'), { nil: undefined }),
      digest: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
  replicas: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 2 }),
  smpEnv: fc.option(fc.tuple(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), trickyValue), { nil: undefined }),
  smpResources: fc.boolean(),
  jsonAnnotation: fc.option(trickyValue, { nil: undefined }),
  jsonReplicas: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  generatorLiterals: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_.]{0,6}$/), trickyValue), { maxLength: 3, selector: ([key]) => key }),
  mergeBaseConfig: fc.boolean(),
  secretLiterals: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), fc.stringMatching(/^[A-Za-z0-9+/=]{0,12}$/)), {
    maxLength: 2,
    selector: ([key]) => key,
  }),
  disableHash: fc.boolean(),
  component: fc.option(fc.record({ label: fc.stringMatching(/^[a-z0-9]{1,8}$/), replicas: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }) }), {
    nil: undefined,
  }),
  replacement: fc.boolean(),
  sortFifo: fc.boolean(),
});

function quote(value: string): string {
  return JSON.stringify(value);
}

function yamlMap(entries: Record<string, string>, indent: string): string {
  return Object.entries(entries)
    .map(([key, value]) => `${indent}${quote(key)}: ${quote(value)}\n`)
    .join('');
}

function baseFiles(apps: App[]): Record<string, string> {
  const files: Record<string, string> = {};
  const resources: string[] = [];
  const generators: string[] = [];
  for (const app of apps) {
    resources.push(`${app.name}.yaml`);
    const env = app.env.map(([key, value]) => `            - name: ${key}\n              value: ${quote(value)}\n`).join('');
    const envFrom = app.withConfig ? `          envFrom:\n            - configMapRef:\n                name: ${app.name}-config\n` : '';
    let text =
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app.name}\n  labels:\n    app: ${app.name}\nspec:\n  replicas: 1\n` +
      `  selector:\n    matchLabels:\n      app: ${app.name}\n  template:\n    metadata:\n      labels:\n        app: ${app.name}\n    spec:\n` +
      `      serviceAccountName: ${app.name}\n      containers:\n        - name: main\n          image: ${app.image}:${app.tag}\n` +
      `          ports:\n            - containerPort: ${app.port}\n` +
      (env ? `          env:\n${env}` : '') +
      envFrom +
      `---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${app.name}\n`;
    if (app.withService) {
      text += `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: ${app.name}\nspec:\n  selector:\n    app: ${app.name}\n  ports:\n    - port: 80\n      targetPort: ${app.port}\n`;
    }
    files[`apps/base/${app.name}.yaml`] = text;
    if (app.withConfig) generators.push(`  - name: ${app.name}-config\n    literals:\n      - MODE=base\n`);
  }
  files['apps/base/kustomization.yaml'] =
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${r}\n`).join('')}` +
    (generators.length > 0 ? `configMapGenerator:\n${generators.join('')}` : '');
  return files;
}

function overlayKustomization(overlay: Overlay, apps: App[], parent: string, level: number): string {
  let text = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${parent}\n`;
  if (overlay.namespace) text += `namespace: ${overlay.namespace}\n`;
  if (overlay.namePrefix) text += `namePrefix: ${overlay.namePrefix}\n`;
  if (overlay.nameSuffix) text += `nameSuffix: ${overlay.nameSuffix}\n`;
  if (overlay.labels) {
    text += `labels:\n  - pairs:\n${yamlMap(overlay.labels.pairs, '      ')}    includeSelectors: ${overlay.labels.includeSelectors}\n    includeTemplates: ${overlay.labels.includeTemplates}\n`;
  }
  if (overlay.commonLabels) text += `commonLabels:\n${yamlMap(overlay.commonLabels, '  ')}`;
  if (overlay.commonAnnotations) text += `commonAnnotations:\n${yamlMap(overlay.commonAnnotations, '  ')}`;
  const images = overlay.images.slice(0, apps.length).map((image, i) => {
    const app = apps[i] as App;
    let entry = `  - name: ${app.image}\n`;
    if (image.newName) entry += `    newName: ${image.newName}\n`;
    if (image.newTag) entry += `    newTag: ${quote(image.newTag)}\n`;
    if (image.digest) entry += `    digest: sha256:${String(i + 1).repeat(64)}\n`;
    return entry;
  });
  if (images.length > 0) text += `images:\n${images.join('')}`;
  const replicas = overlay.replicas.slice(0, apps.length).map((count, i) => `  - name: ${(apps[i] as App).name}\n    count: ${count}\n`);
  if (replicas.length > 0) text += `replicas:\n${replicas.join('')}`;
  const patches: string[] = [];
  const first = apps[0] as App;
  if (overlay.smpEnv || overlay.smpResources) {
    let patch = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${first.name}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n`;
    if (overlay.smpEnv) patch += `          env:\n            - name: ${overlay.smpEnv[0]}\n              value: ${quote(overlay.smpEnv[1])}\n`;
    if (overlay.smpResources) patch += `          resources:\n            limits:\n              memory: 256Mi\n`;
    patches.push(`  - path: smp-${first.name}.yaml\n`);
    overlayExtraFiles.set(`smp-${first.name}.yaml`, patch);
  }
  if (overlay.jsonAnnotation !== undefined || overlay.jsonReplicas !== undefined) {
    const ops: string[] = [];
    if (overlay.jsonAnnotation !== undefined)
      ops.push(`      - op: add\n        path: /metadata/annotations\n        value:\n          example.com/note: ${quote(overlay.jsonAnnotation)}\n`);
    if (overlay.jsonReplicas !== undefined) ops.push(`      - op: replace\n        path: /spec/replicas\n        value: ${overlay.jsonReplicas}\n`);
    patches.push(`  - target:\n      kind: Deployment\n      name: ${(apps[apps.length - 1] as App).name}\n    patch: |-\n${ops.join('')}`);
  }
  if (patches.length > 0) text += `patches:\n${patches.join('')}`;
  const configMaps: string[] = [];
  if (overlay.generatorLiterals.length > 0) {
    configMaps.push(
      `  - name: ${first.name}-settings${level}\n    literals:\n${overlay.generatorLiterals.map(([k, v]) => `      - ${quote(`${k}=${v}`)}\n`).join('')}`,
    );
  }
  const withConfig = apps.find((app) => app.withConfig);
  if (overlay.mergeBaseConfig && withConfig) {
    configMaps.push(`  - name: ${withConfig.name}-config\n    behavior: merge\n    literals:\n      - MODE=overlay\n`);
  }
  if (configMaps.length > 0) text += `configMapGenerator:\n${configMaps.join('')}`;
  if (overlay.secretLiterals.length > 0) {
    text += `secretGenerator:\n  - name: ${first.name}-secret${level}\n    literals:\n${overlay.secretLiterals.map(([k, v]) => `      - ${quote(`${k}=${v}`)}\n`).join('')}`;
  }
  if (overlay.disableHash) text += 'generatorOptions:\n  disableNameSuffixHash: true\n';
  if (overlay.component) {
    // A component adds a label to every object and may scale the first app.
    text += `components:\n  - ../../components/level${level}\n`;
    let component = `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs:\n      example.com/component: ${quote(overlay.component.label)}\n`;
    if (overlay.component.replicas !== undefined) component += `replicas:\n  - name: ${first.name}\n    count: ${overlay.component.replicas}\n`;
    overlayComponents.set(`components/level${level}/kustomization.yaml`, component);
  }
  if (overlay.replacement) {
    // The first app's image is copied into an annotation of every Service the tree has.
    text += `replacements:\n  - source:\n      kind: Deployment\n      name: ${first.name}\n      fieldPath: spec.template.spec.containers.0.image\n    targets:\n      - select:\n          kind: Deployment\n        fieldPaths:\n          - metadata.annotations.[example.com/source-image]\n        options:\n          create: true\n`;
  }
  if (overlay.sortFifo) text += 'sortOptions:\n  order: fifo\n';
  return text;
}

// Patch files and components an overlay refers to, collected while its kustomization is written.
const overlayExtraFiles = new Map<string, string>();
const overlayComponents = new Map<string, string>();

/** Arbitrary fleet tree: a base of 1–3 apps and a chain of 1–2 overlays on top of it. */
export const fleetTreeArbitrary: fc.Arbitrary<GeneratedTree> = fc
  .record({
    apps: fc.uniqueArray(appArb, { minLength: 1, maxLength: 3, selector: (app) => app.name }),
    overlays: fc.array(overlayArb, { minLength: 1, maxLength: 2 }),
  })
  .map(({ apps, overlays }) => {
    const files = baseFiles(apps);
    let parent = '../base';
    overlays.forEach((overlay, level) => {
      const dir = `apps/overlay${level + 1}`;
      overlayExtraFiles.clear();
      overlayComponents.clear();
      files[`${dir}/kustomization.yaml`] = overlayKustomization(overlay, apps, parent, level + 1);
      for (const [name, text] of overlayExtraFiles) files[`${dir}/${name}`] = text;
      for (const [path, text] of overlayComponents) files[path] = text;
      parent = `../overlay${level + 1}`;
    });
    return { files, buildPath: `apps/overlay${overlays.length}` };
  });

/** Writes a generated tree below `root`. */
export function writeTree(root: string, tree: GeneratedTree): void {
  for (const [path, text] of Object.entries(tree.files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

// Large, real-shaped render inputs for bench/render.ts, generated deterministically: each writes a
// repository tree below `root` and returns the directory to build (relative to `root`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function write(root: string, path: string, text: string): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const WORDS = [
  'the',
  'field',
  'selects',
  'which',
  'resources',
  'are',
  'matched',
  'by',
  'this',
  'rule',
  'when',
  'unset',
  'defaults',
  'to',
  'all',
  'namespaces',
  'in',
  'cluster',
  'value',
  'must',
  'be',
  'a',
  'valid',
  'duration',
  'such',
  'as',
  '30s',
  'or',
  '5m',
  'operator',
  'reconciles',
  'object',
  'status',
  'conditions',
  'reported',
  'Prometheus',
  'Alertmanager',
  'endpoint',
  'TLS',
  'configuration',
  'secret',
  'key',
  'reference',
  'label',
  'selector',
  'deprecated',
  'use',
  'instead',
  'see',
  'https://example.com/docs',
];

/** A deterministic pseudo-random sequence (no Math.random: inputs must be the same every run). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
}

/** A description as controller-gen writes one: sentences wrapped near 80 columns. */
function description(next: () => number, sentences: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let s = 0; s < sentences; s++) {
    const length = 8 + (next() % 18);
    for (let w = 0; w < length; w++) {
      let word = WORDS[next() % WORDS.length] as string;
      if (w === 0) word = word[0]?.toUpperCase() + word.slice(1);
      if (w === length - 1) word += '.';
      if (line.length + word.length + 1 > 76) {
        lines.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function schemaProperties(next: () => number, depth: number, indent: string, out: string[]): void {
  const breadth = depth === 0 ? 7 : 6;
  for (let p = 0; p < breadth; p++) {
    const name = `${WORDS[next() % WORDS.length]?.replace(/[^a-z]/gi, '') ?? 'x'}${p}`;
    out.push(`${indent}${name}:`);
    const text = description(next, 1 + (next() % 4));
    if (text.length > 1 && next() % 2 === 0) {
      // controller-gen's `|-` form for descriptions with line breaks
      out.push(`${indent}  description: |-`);
      for (const line of text) out.push(`${indent}    ${line}`);
    } else {
      // a plain scalar continued over several lines
      out.push(`${indent}  description: ${text[0] ?? ''}`);
      for (const line of text.slice(1)) out.push(`${indent}    ${line}`);
    }
    if (depth < 3 && next() % 3 !== 0) {
      out.push(`${indent}  properties:`);
      schemaProperties(next, depth + 1, `${indent}    `, out);
      out.push(`${indent}  type: object`);
    } else {
      const kind = next() % 4;
      if (kind === 0) out.push(`${indent}  type: string`, `${indent}  pattern: ^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?)$`);
      else if (kind === 1) out.push(`${indent}  format: int32`, `${indent}  type: integer`);
      else if (kind === 2) out.push(`${indent}  type: boolean`);
      else out.push(`${indent}  items:`, `${indent}    type: string`, `${indent}  type: array`, `${indent}  x-kubernetes-list-type: set`);
    }
  }
}

/** kube-prometheus-like: 24 CRDs of ~170 KB each (deep schemas, long descriptions), plus RBAC. */
export function bigCrds(root: string): string {
  const next = sequence(7);
  const files: string[] = [];
  for (let c = 0; c < 24; c++) {
    const plural = `widget${c}s`;
    const out = [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  annotations:',
      '    controller-gen.kubebuilder.io/version: v0.16.1',
      `  name: ${plural}.monitoring.example.com`,
      'spec:',
      '  group: monitoring.example.com',
      '  names:',
      '    categories:',
      '    - example',
      `    kind: Widget${c}`,
      `    listKind: Widget${c}List`,
      `    plural: ${plural}`,
      `    singular: widget${c}`,
      '  scope: Namespaced',
      '  versions:',
      '  - name: v1',
      '    schema:',
      '      openAPIV3Schema:',
      `        description: Widget${c} defines a monitored widget.`,
      '        properties:',
      '          spec:',
      '            properties:',
    ];
    schemaProperties(next, 0, '              ', out);
    out.push('            type: object', '        type: object', '    served: true', '    storage: true', '    subresources:', '      status: {}');
    const file = `crds/${plural}.yaml`;
    write(root, file, `${out.join('\n')}\n`);
    files.push(file);
  }
  write(
    root,
    'crds/rbac.yaml',
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: widget-operator\nrules:\n- apiGroups:\n  - monitoring.example.com\n  resources:\n${files.map((_, c) => `  - widget${c}s\n`).join('')}  verbs:\n  - '*'\n`,
  );
  write(
    root,
    'crds/kustomization.yaml',
    `resources:\n${[...files.map((f) => f.slice('crds/'.length)), 'rbac.yaml'].map((f) => `- ${f}\n`).join('')}commonLabels:\n  app.kubernetes.io/part-of: widgets\n`,
  );
  return 'crds';
}

/** Dashboards and scripts: 120 ConfigMaps holding long literal block scalars (JSON, shell). */
export function longBlockScalars(root: string): string {
  const next = sequence(11);
  const names: string[] = [];
  for (let d = 0; d < 120; d++) {
    const panels: string[] = [];
    for (let p = 0; p < 40; p++) {
      panels.push(
        [
          '        {',
          `          "id": ${p},`,
          `          "title": "${description(next, 1)[0]?.slice(0, 40) ?? ''}",`,
          '          "type": "timeseries",',
          '          "targets": [',
          '            {',
          `              "expr": "sum(rate(http_requests_total{job=\\"svc${p}\\", code=~\\"5..\\"}[5m])) by (instance)",`,
          '              "legendFormat": "{{instance}}"',
          '            }',
          '          ],',
          `          "gridPos": {"h": 8, "w": 12, "x": ${(p % 2) * 12}, "y": ${p * 8}}`,
          `        }${p === 39 ? '' : ','}`,
        ].join('\n'),
      );
    }
    const name = `dashboard-${d}`;
    names.push(`${name}.yaml`);
    write(
      root,
      `dashboards/${name}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels:\n    grafana_dashboard: "1"\ndata:\n  ${name}.json: |-\n    {\n      "title": "Dashboard ${d}",\n      "panels": [\n${panels.join('\n').replace(/^/gm, '  ')}\n      ]\n    }\n  run.sh: |\n    #!/bin/sh\n    set -eu\n    # refresh every ${d + 1} minutes\n    while true; do\n      curl -fsS http://grafana:3000/api/health || exit 1\n      sleep ${(d + 1) * 60}\n    done\n`,
    );
  }
  write(root, 'dashboards/kustomization.yaml', `namespace: monitoring\nresources:\n${names.map((n) => `- ${n}\n`).join('')}`);
  return 'dashboards';
}

/** Many small objects: 4,000 ConfigMaps, Services and ServiceAccounts in 40 files. */
export function manySmallObjects(root: string): string {
  const files: string[] = [];
  for (let f = 0; f < 40; f++) {
    const docs: string[] = [];
    for (let i = 0; i < 34; i++) {
      const name = `app-${f}-${i}`;
      docs.push(
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  LOG_LEVEL: info\n  PORT: "8080"\n`,
        `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - port: 80\n    targetPort: 8080\n`,
        `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`,
      );
    }
    const file = `apps-${f}.yaml`;
    write(root, `small/${file}`, docs.join('---\n'));
    files.push(file);
  }
  write(
    root,
    'small/kustomization.yaml',
    `namespace: apps\nnamePrefix: prod-\nlabels:\n- pairs:\n    team: platform\nresources:\n${files.map((f) => `- ${f}\n`).join('')}`,
  );
  return 'small';
}

/** A base of 150 objects under twelve overlay levels, each adding labels, annotations and a patch. */
export function deepOverlays(root: string): string {
  const docs: string[] = [];
  for (let i = 0; i < 75; i++) {
    const name = `svc${i}`;
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/${name}:1.0.0\n        env:\n        - name: NAME\n          value: ${name}\n`,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - port: 80\n`,
    );
  }
  write(root, 'layers/base/resources.yaml', docs.join('---\n'));
  write(root, 'layers/base/kustomization.yaml', 'resources:\n- resources.yaml\n');
  let previous = 'base';
  for (let level = 1; level <= 12; level++) {
    const dir = `level${level}`;
    write(
      root,
      `layers/${dir}/kustomization.yaml`,
      `resources:\n- ../${previous}\nlabels:\n- pairs:\n    layer${level}: "true"\n  includeTemplates: true\ncommonAnnotations:\n  example.com/level-${level}: applied\nimages:\n- name: registry.example.com/svc${level}\n  newTag: 1.${level}.0\npatches:\n- target:\n    kind: Deployment\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: any\n    spec:\n      template:\n        metadata:\n          annotations:\n            level${level}: "${level}"\n${level % 4 === 0 ? `namespace: tier-${level}\n` : ''}`,
    );
    previous = dir;
  }
  return `layers/${previous}`;
}

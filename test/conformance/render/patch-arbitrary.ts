// fast-check generators of one object and a strategic merge patch for it, aimed at the corners of
// kustomize's merge: lists merged by one or two keys, primitive lists merged as sets, lists replaced
// whole, nulls that delete, `$patch: delete|replace|merge` on maps, list elements and whole lists,
// fields the target does not have yet, and custom resources merged without a schema.
import fc from 'fast-check';
import type { GeneratedTree } from './fleet-arbitrary.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const small = fc.constantFrom('a', 'b', 'c');
const scalar: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom('x', 'y', 'true', '1', 'null', ''), fc.integer({ min: 0, max: 3 }), fc.boolean());
const nullish = fc.constant(null);

function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 2 });
}

function compact(entries: Record<string, Json | undefined>): Record<string, Json> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Record<string, Json>;
}

const directive = fc.constantFrom('delete', 'replace', 'merge');

const env = fc.record({ name: small.map((n) => `E_${n.toUpperCase()}`), value: maybe(fc.oneof(scalar, nullish)) }).map((e) => compact(e));
const port = fc
  .record({ containerPort: fc.constantFrom(80, 443, 8080), protocol: maybe(fc.constantFrom('TCP', 'UDP')), name: maybe(small) })
  .map((p) => compact(p));
const container = (patch: boolean): fc.Arbitrary<Json> =>
  fc
    .record({
      name: small.map((n) => `c-${n}`),
      image: maybe(fc.constantFrom('app:1', 'app:2')),
      args: maybe(fc.array(fc.constantFrom('--a', '--b', '--c'), { maxLength: 3 })),
      env: maybe(fc.array(env, { maxLength: 3 })),
      ports: maybe(fc.array(port, { maxLength: 3 })),
      resources: maybe(
        fc
          .record({ limits: maybe(fc.record({ cpu: maybe(fc.constantFrom('1', '500m')), memory: maybe(fc.constantFrom('1Gi', null)) }).map(compact)) })
          .map(compact),
      ),
      $patch: patch ? maybe(directive) : fc.constant(undefined),
    })
    .map((c) => compact(c as Record<string, Json | undefined>));

const listOf = (element: fc.Arbitrary<Json>, patch: boolean): fc.Arbitrary<Json> =>
  patch
    ? fc.oneof(
        { weight: 4, arbitrary: fc.array(element, { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.array(element, { maxLength: 2 }).map((items) => [...items, { $patch: 'replace' }] as Json) },
        { weight: 1, arbitrary: nullish },
      )
    : fc.array(element, { maxLength: 3 });

const podSpec = (patch: boolean): fc.Arbitrary<Json> =>
  fc
    .record({
      containers: maybe(listOf(container(patch), patch)),
      initContainers: maybe(listOf(container(patch), patch)),
      tolerations: maybe(fc.oneof(fc.array(fc.record({ key: small, operator: fc.constant('Exists') }), { maxLength: 2 }), patch ? nullish : fc.constant([]))),
      volumes: maybe(
        listOf(
          fc
            .record({ name: small, emptyDir: maybe(fc.constant({})), configMap: maybe(fc.record({ name: small }).map(compact)) })
            .map((v) => compact(v as Record<string, Json | undefined>)),
          patch,
        ),
      ),
      nodeSelector: maybe(fc.dictionary(small, patch ? fc.oneof(scalar, nullish) : scalar, { maxKeys: 2 })),
      serviceAccountName: maybe(patch ? fc.oneof(small, nullish) : small),
    })
    .map((s) => compact(s as Record<string, Json | undefined>));

const metadata = (name: string, patch: boolean): fc.Arbitrary<Json> =>
  fc
    .record({
      labels: maybe(fc.dictionary(small, patch ? fc.oneof(scalar, nullish) : scalar, { maxKeys: 2 })),
      finalizers: maybe(
        listOf(
          small.map((n) => `example.com/${n}`),
          patch,
        ),
      ),
      annotations: maybe(fc.oneof(fc.dictionary(small, scalar, { maxKeys: 2 }), patch ? fc.constant({ $patch: 'replace', k: 'v' }) : fc.constant({}))),
    })
    .map((m) => ({ name, ...compact(m as Record<string, Json | undefined>) }));

const deploymentPair = fc.record({
  target: fc.record({ metadata: metadata('web', false), replicas: maybe(fc.integer({ min: 0, max: 3 })), spec: podSpec(false) }),
  patch: fc.record({
    metadata: metadata('web', true),
    replicas: maybe(fc.oneof(fc.integer({ min: 0, max: 3 }), nullish)),
    spec: fc.oneof(
      { weight: 6, arbitrary: podSpec(true) },
      { weight: 1, arbitrary: podSpec(true).map((s) => ({ ...(s as object), $patch: 'replace' }) as Json) },
    ),
  }),
});

const customPair = fc.record({
  target: fc.record({
    metadata: metadata('w', false),
    spec: fc.dictionary(small, fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(small, scalar, { maxKeys: 2 })), { maxKeys: 3 }),
  }),
  patch: fc.record({
    metadata: metadata('w', true),
    spec: fc.dictionary(small, fc.oneof(scalar, nullish, fc.array(scalar, { maxLength: 2 }), fc.dictionary(small, fc.oneof(scalar, nullish), { maxKeys: 2 })), {
      maxKeys: 3,
    }),
  }),
});

function deploymentYaml(parts: { metadata: Json; replicas?: Json | undefined; spec: Json }, patch: boolean): string {
  const spec = compact({ replicas: parts.replicas, template: { spec: parts.spec } });
  if (!patch) Object.assign(spec, { selector: { matchLabels: { app: 'web' } } });
  return JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: parts.metadata, spec });
}

/** Arbitrary repository: one object (a Deployment or a custom resource) and one strategic merge patch for it. */
export const patchCaseArbitrary: fc.Arbitrary<GeneratedTree> = fc
  .oneof(
    { weight: 4, arbitrary: deploymentPair.map(({ target, patch }) => ({ object: deploymentYaml(target, false), patch: deploymentYaml(patch, true) })) },
    {
      weight: 1,
      arbitrary: customPair.map(({ target, patch }) => ({
        object: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', ...target }),
        patch: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', ...patch }),
      })),
    },
  )
  .map(({ object, patch }) => ({
    files: {
      'kustomization.yaml': 'resources:\n  - object.yaml\npatches:\n  - path: patch.yaml\n',
      'object.yaml': `${object}\n`,
      'patch.yaml': `${patch}\n`,
    },
    buildPath: '.',
  }));

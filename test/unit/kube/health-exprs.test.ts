// Flux healthCheckExprs: parsing, validation and the CEL readiness verdict of one object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseKustomization } from '#shared/config/kustomization.ts';
import { compileHealthCheckExprs, evaluateHealthExprs } from '#shared/kube/health-exprs.ts';
import type { HealthCheckExpr } from '#shared/kube/health-exprs.ts';
import { requestFromKustomization } from '#shared/kube/index.ts';
import type { KubeObject } from '#shared/kube/index.ts';

const SYNCED_FAILED = "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')";
const SYNCED_CURRENT = "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')";

/** The SealedSecret example of Flux's Kustomization documentation. */
function fluxSample(
  healthCheckExprs: unknown[] = [{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', failed: SYNCED_FAILED, current: SYNCED_CURRENT }],
): unknown {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'sealed-secrets', namespace: 'flux-system' },
    spec: {
      interval: '5m',
      path: './path/to/sealed/secrets',
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      timeout: '1m',
      wait: true,
      healthCheckExprs,
    },
  };
}

function widget(status?: Record<string, unknown>, generation = 1, apiVersion = 'example.com/v1'): KubeObject {
  return { apiVersion, kind: 'Widget', metadata: { name: 'w', namespace: 'shop', generation }, spec: { size: 3 }, ...(status ? { status } : {}) };
}

const entry = (fields: Partial<HealthCheckExpr>): HealthCheckExpr => ({ apiVersion: 'example.com/v1', kind: 'Widget', current: 'true', ...fields });

test('the parser accepts the SealedSecret sample of the Flux documentation and the request carries it', () => {
  // Act
  const parsed = parseKustomization(fluxSample(), 'clusters/dev/sealed.yaml');
  const request = requestFromKustomization(parsed, { objects: [], revision: 'r' });
  // Assess
  assert.equal(parsed.spec.healthCheckExprs?.[0]?.kind, 'SealedSecret');
  assert.equal(request.healthCheckExprs?.entries[0]?.current, SYNCED_CURRENT);
  assert.ok(request.healthCheckExprs?.evaluatorFor('bitnami.com/v1alpha1', 'SealedSecret'));
});

test('the sample marks a SealedSecret Current when Synced is True and Failed when it is False', () => {
  // Prepare
  const rules = compileHealthCheckExprs([{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', failed: SYNCED_FAILED, current: SYNCED_CURRENT }]);
  const evaluator = rules.evaluatorFor('bitnami.com/v1alpha1', 'SealedSecret');
  const sealed = (status: string): KubeObject => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 's', generation: 1 },
    status: { observedGeneration: 1, conditions: [{ type: 'Synced', status }] },
  });
  // Act
  const statuses = ['True', 'False'].map((status) => evaluator?.evaluate(sealed(status)).status);
  // Assess
  assert.deepEqual(statuses, ['Current', 'Failed']);
});

test('an invalid expression is refused when the Kustomization is read, naming it, the file, the entry field and the expression', () => {
  // Act
  const act = () =>
    parseKustomization(
      fluxSample([{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', current: "status.conditions.all(e, e.status == 'True'" }]),
      'clusters/dev/sealed.yaml',
    );
  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof InvalidInputError &&
      error.message.startsWith('clusters/dev/sealed.yaml: Kustomization sealed-secrets: spec.healthCheckExprs.0.current: invalid CEL expression') &&
      error.message.includes("status.conditions.all(e, e.status == 'True'"),
  );
});

test('an invalid optional expression is refused naming its field', () => {
  // Act
  const act = () => parseKustomization(fluxSample([{ apiVersion: 'example.com/v1', current: 'true', inProgress: 'status.phase ==' }]));
  // Assess
  assert.throws(act, /spec\.healthCheckExprs\.0\.inProgress: invalid CEL expression 'status\.phase =='/);
});

test("has() of a bare variable is refused when read, as Flux's CEL parser refuses it", () => {
  // Act
  const act = () => parseKustomization(fluxSample([{ apiVersion: 'example.com/v1', current: 'has(status)' }]));
  // Assess
  assert.throws(act, /spec\.healthCheckExprs\.0\.current: invalid CEL expression 'has\(status\)': has\(\) needs a field selection/);
});

test('an entry without current is refused', () => {
  // Act
  const act = () => parseKustomization(fluxSample([{ apiVersion: 'example.com/v1', kind: 'Widget', failed: 'false' }]));
  // Assess
  assert.throws(act, /spec\.healthCheckExprs\.0\.current/);
});

test('two entries for the same group and kind are refused even with different versions', () => {
  // Act
  const act = () => parseKustomization(fluxSample([entry({ apiVersion: 'example.com/v1' }), entry({ apiVersion: 'example.com/v2' })]));
  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof InvalidInputError && /spec\.healthCheckExprs\.1: a second entry for API group 'example\.com' and kind Widget/.test(error.message),
  );
});

test('compiling outside the parser refuses an invalid expression with the given identity and the entry', () => {
  // Prepare
  const owner = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', namespace: 'flux-system', name: 'apps' };
  // Act
  const act = () => compileHealthCheckExprs([entry({}), entry({ kind: 'Gadget', failed: '1 +' })], { object: owner });
  // Assess
  assert.throws(
    act,
    (error: unknown) =>
      error instanceof InvalidInputError &&
      /^Kustomization\.kustomize\.toolkit\.fluxcd\.io apps in ns flux-system: healthCheckExprs\[1\] \(example\.com\/Gadget\) failed: invalid CEL expression '1 \+'/.test(
        error.message,
      ),
  );
});

test('inProgress is evaluated before failed and current', () => {
  // Act
  const health = evaluateHealthExprs(entry({ inProgress: 'true', failed: 'true', current: 'true' }), widget({}));
  // Assess
  assert.equal(health.status, 'InProgress');
});

test('failed is evaluated before current, and its message names the expression and the Ready message', () => {
  // Act
  const health = evaluateHealthExprs(
    entry({ failed: "status.phase == 'Broken'", current: 'true' }),
    widget({ phase: 'Broken', conditions: [{ type: 'Ready', status: 'False', message: 'disk full' }] }),
  );
  // Assess
  assert.equal(health.status, 'Failed');
  assert.equal(health.message, "failed expression 'status.phase == 'Broken'' is true: disk full");
});

test('current true with the other expressions false is Current', () => {
  // Act
  const health = evaluateHealthExprs(
    entry({ inProgress: "status.phase == 'Working'", failed: "status.phase == 'Broken'", current: "status.phase == 'Done'" }),
    widget({ phase: 'Done' }),
  );
  // Assess
  assert.equal(health.status, 'Current');
});

test('no expression true is InProgress', () => {
  // Act
  const health = evaluateHealthExprs(entry({ failed: "status.phase == 'Broken'", current: "status.phase == 'Done'" }), widget({ phase: 'Pending' }));
  // Assess
  assert.deepEqual(health, { status: 'InProgress', message: "current expression 'status.phase == 'Done'' is not yet true" });
});

test('an observedGeneration behind the generation is InProgress before any expression', () => {
  // Act
  const health = evaluateHealthExprs(entry({ current: 'true' }), widget({ observedGeneration: 1 }, 2));
  // Assess
  assert.deepEqual(health, { status: 'InProgress', message: 'generation 2 not yet observed (observed 1)' });
});

test('an observedGeneration that is not an integer is left to the expressions', () => {
  // Act
  const health = evaluateHealthExprs(entry({ current: 'true' }), widget({ observedGeneration: 'one' }, 2));
  // Assess
  assert.equal(health.status, 'Current');
});

test('a missing field is an evaluation error: Unknown, with the expression and the cause', () => {
  // Act
  const health = evaluateHealthExprs(entry({ current: "status.phase == 'Done'" }), widget({}));
  // Assess
  assert.equal(health.status, 'Unknown');
  assert.match(health.message, /^failed to evaluate the current expression 'status\.phase == 'Done'': .*phase/);
});

test('a missing status variable is an evaluation error, not a crash', () => {
  // Act
  const health = evaluateHealthExprs(entry({ current: "status.phase == 'Done'" }), widget(undefined));
  // Assess
  assert.equal(health.status, 'Unknown');
  assert.match(health.message, /status/);
});

test('an expression that does not return a boolean leaves the status Unknown', () => {
  // Act
  const health = evaluateHealthExprs(entry({ current: 'status.phase' }), widget({ phase: 'Done' }));
  // Assess
  assert.deepEqual(health, { status: 'Unknown', message: "the current expression 'status.phase' returned a string, not a boolean" });
});

test('has() guards a field that may be absent', () => {
  // Prepare
  const rule = entry({ current: "has(status.phase) && status.phase == 'Done'" });
  // Act
  const statuses = [widget({}), widget({ phase: 'Done' })].map((object) => evaluateHealthExprs(rule, object).status);
  // Assess
  assert.deepEqual(statuses, ['InProgress', 'Current']);
});

test('optional field selection with orValue reads an absent field as the default', () => {
  // Prepare
  const rule = entry({ current: "status.?conditions.orValue([]).exists(c, c.type == 'Ready' && c.status == 'True')" });
  // Act
  const statuses = [widget({}), widget({ conditions: [{ type: 'Ready', status: 'True' }] })].map((object) => evaluateHealthExprs(rule, object).status);
  // Assess
  assert.deepEqual(statuses, ['InProgress', 'Current']);
});

test('the list macros exists_one, map and filter evaluate over conditions', () => {
  // Prepare
  const rule = entry({
    current: "status.conditions.exists_one(c, c.type == 'Ready') && status.conditions.map(c, c.type).filter(t, t.startsWith('Re')).size() == 1",
  });
  const object = widget({
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'True' },
    ],
  });
  // Act
  const health = evaluateHealthExprs(rule, object);
  // Assess
  assert.equal(health.status, 'Current');
});

test('integers of the object compare with int literals and with the spec', () => {
  // Prepare
  const rule = entry({ current: 'status.readyReplicas == spec.size && status.readyReplicas >= 3 && metadata.generation == 1' });
  // Act
  const statuses = [widget({ readyReplicas: 3 }), widget({ readyReplicas: 2 })].map((object) => evaluateHealthExprs(rule, object).status);
  // Assess
  assert.deepEqual(statuses, ['Current', 'InProgress']);
});

test('an entry matches by group and kind, ignoring the version; a kind-less entry covers the rest of the group', () => {
  // Prepare
  const rules = compileHealthCheckExprs([
    { apiVersion: 'example.com/v1', current: "status.phase == 'Any'" },
    { apiVersion: 'example.com/v1beta1', kind: 'Widget', current: "status.phase == 'Widget'" },
  ]);
  // Act
  const widgetV2 = rules.evaluatorFor('example.com/v2', 'Widget');
  const gadget = rules.evaluatorFor('example.com/v1', 'Gadget');
  const otherGroup = rules.evaluatorFor('other.example.com/v1', 'Widget');
  const deployment = rules.evaluatorFor('apps/v1', 'Deployment');
  // Assess
  assert.equal(widgetV2?.entry.current, "status.phase == 'Widget'");
  assert.equal(gadget?.entry.current, "status.phase == 'Any'");
  assert.equal(otherGroup, undefined);
  assert.equal(deployment, undefined);
});

test('an evaluation error quoting a Secret value does not reveal it', () => {
  // Prepare
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: 'aHVudGVyMjAyNg==' } };
  // Act
  const health = evaluateHealthExprs({ apiVersion: 'v1', kind: 'Secret', current: "duration(data.password) > duration('1s')" }, secret);
  // Assess
  assert.equal(health.status, 'Unknown');
  assert.doesNotMatch(health.message, /aHVudGVyMjAyNg==|hunter2026/);
});

test('a multi-line expression evaluates, and messages quote it on one line, cut short when long', () => {
  // Prepare
  const padding = Array.from({ length: 60 }, (_, i) => `status.phase != 'p${i}'`).join(' &&\n  ');
  const rule = entry({ current: `${padding} &&\n  status.phase == 'Done'` });
  // Act
  const health = evaluateHealthExprs(rule, widget({ phase: 'Pending' }));
  // Assess
  assert.equal(health.status, 'InProgress');
  assert.doesNotMatch(health.message, /\n/);
  assert.ok(health.message.length < 300, health.message);
  assert.equal(evaluateHealthExprs(rule, widget({ phase: 'Done' })).status, 'Current');
});

test('the cel-go extension functions Flux enables are available: sets, base64 and string replace/charAt/reverse', () => {
  // Prepare
  const object = widget({ tags: ['blue', 'green'], phase: 'in-sync' });
  const expressions = [
    "sets.contains(status.tags, ['green'])",
    "sets.equivalent(status.tags, ['green', 'blue'])",
    "!sets.intersects(status.tags, ['red'])",
    "base64.decode(base64.encode(b'ok')) == b'ok'",
    "status.phase.replace('-', '_') == 'in_sync'",
    "'a-b-c'.replace('-', '+', 1) == 'a+b-c'",
    "status.phase.charAt(0) == 'i' && status.phase.reverse() == 'cnys-ni'",
  ];
  // Act
  const statuses = expressions.map((current) => [current, evaluateHealthExprs(entry({ current }), object).status]);
  // Assess
  assert.deepEqual(
    statuses,
    expressions.map((current) => [current, 'Current']),
  );
});

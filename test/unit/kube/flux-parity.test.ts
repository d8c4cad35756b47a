// Pure rules the apply engine shares with Flux's kustomize-controller: which API errors mean an
// immutable field changed, and how objects are normalized before they are compared or applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, InvalidInputError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import { isImmutableFieldError } from '#shared/kube/policy.ts';
import { normalizeForApply } from '#shared/kube/normalize.ts';
import type { KubeObject } from '#shared/kube/index.ts';
import { scrubTransient } from '#shared/kube/mask.ts';

const invalid = (message: string, status = 422) => new InvalidInputError(message, { cause: { status, reason: 'Invalid', message } });

test('the API server phrases for immutable fields of core kinds count as immutable-field errors', () => {
  // Prepare: messages as kube-apiserver words them.
  const messages = [
    'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"x"}}: field is immutable',
    'Job.batch "j" is invalid: spec.template: Invalid value: {…}: field is immutable',
    'Service "s" is invalid: spec.clusterIPs[0]: Invalid value: ["10.0.0.9"]: may not change once set',
    'PersistentVolumeClaim "p" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    'RoleBinding.rbac.authorization.k8s.io "rb" is invalid: roleRef: Invalid value: {…}: cannot change roleRef',
    'StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than \'replicas\' are forbidden',
    'admission webhook "x" denied the request: spec.bucket: Invalid value: "b": immutable field',
  ];
  // Act
  const verdicts = messages.map((m) => isImmutableFieldError(invalid(m)));
  // Assess
  assert.deepEqual(
    verdicts,
    messages.map(() => true),
  );
});

test('other validation errors, conflicts and errors without an API status are not immutable-field errors', () => {
  // Prepare
  const others = [
    invalid('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of …'),
    new ConflictError('Apply failed with 1 conflict: conflict with "kubectl": .data.a', {
      cause: { status: 409, reason: 'Conflict', message: 'conflict with "kubectl"' },
    }),
    new UnauthorizedError('forbidden: cannot patch', { cause: { status: 403, reason: 'Forbidden', message: 'cannot patch' } }),
    new Error('field is immutable'),
  ];
  // Act
  const verdicts = others.map((e) => isImmutableFieldError(e));
  // Assess
  assert.deepEqual(verdicts, [false, false, false, false]);
});

test("a Secret's stringData is folded into base64 data, stringData winning over data", () => {
  // Prepare
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'n' },
    data: { a: Buffer.from('old').toString('base64'), b: 'Yg==' },
    stringData: { a: 'new', c: 'c-value' },
  };
  // Act
  normalizeForApply(secret);
  // Assess
  assert.equal(secret.stringData, undefined);
  assert.deepEqual(secret.data, { a: Buffer.from('new').toString('base64'), b: 'Yg==', c: Buffer.from('c-value').toString('base64') });
});

test('a Secret whose stringData holds a non-string is left for the API server to reject', () => {
  // Prepare
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { port: 5432 } };
  // Act
  normalizeForApply(secret);
  // Assess
  assert.deepEqual(secret.stringData, { port: 5432 });
  assert.equal(secret.data, undefined);
});

test('status is dropped from manifests except from CustomResourceDefinitions', () => {
  // Prepare
  const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', creationTimestamp: null }, status: { replicas: 1 } };
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'x.y' },
    status: { storedVersions: ['v1'] },
  };
  // Act
  normalizeForApply(deployment);
  normalizeForApply(crd);
  // Assess
  assert.equal('status' in deployment, false);
  assert.equal('creationTimestamp' in deployment.metadata, false);
  assert.deepEqual(crd.status, { storedVersions: ['v1'] });
});

/** A CRD whose conversion webhook carries `caBundle`. */
function crdWithCaBundle(caBundle: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      conversion: {
        strategy: 'Webhook',
        webhook: { conversionReviewVersions: ['v1'], clientConfig: { caBundle, service: { name: 'conv', namespace: 'widgets' } } },
      },
    },
  };
}

const caBundleOf = (crd: KubeObject): unknown =>
  (crd.spec as { conversion: { webhook: { clientConfig: { caBundle?: unknown } } } }).conversion.webhook.clientConfig.caBundle;

test('a CRD conversion webhook caBundle without a certificate is dropped, an empty one is kept', () => {
  // Prepare
  const placeholder = crdWithCaBundle('Cg==');
  const notBase64 = crdWithCaBundle('not base64!');
  const brokenPem = crdWithCaBundle(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64'));
  const empty = crdWithCaBundle('');
  // Act
  for (const crd of [placeholder, notBase64, brokenPem, empty]) normalizeForApply(crd);
  // Assess
  assert.equal(caBundleOf(placeholder), undefined);
  assert.equal(caBundleOf(notBase64), undefined);
  assert.equal(caBundleOf(brokenPem), undefined);
  assert.equal(caBundleOf(empty), '');
});

test("a transient error about a Secret leaves the reconcile with the Secret's values scrubbed, still transient and naming it", () => {
  // Prepare
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'shop' },
    data: { password: Buffer.from('hunter22').toString('base64') },
  };
  const ref = { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: 'shop' };
  const error = new TransientError('API server answered 503: webhook quoted "hunter22"', { object: ref, retryAfterMs: 1000 });
  // Act
  const scrubbed = scrubTransient(error, secret);
  // Assess
  assert.ok(scrubbed instanceof TransientError);
  assert.equal(scrubbed.message, 'Secret creds in ns shop: API server answered 503: webhook quoted "***"');
  assert.equal(scrubbed.retryAfterMs, 1000);
});

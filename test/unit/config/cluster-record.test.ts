import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClusterRecord } from '#shared/config/cluster-record.ts';
import { InvalidInputError } from '#shared/errors/index.ts';

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{ name: c, cluster: { server: "https://10.0.0.1:6443" } }]',
  'users: [{ name: u, user: { token: hunter2-token } }]',
  'contexts: [{ name: admin, context: { cluster: c, user: u } }]',
  'current-context: admin',
  '',
].join('\n');

/** Asserts an InvalidInputError whose message matches `pattern` and never contains `secret`. */
function refusedNaming(pattern: RegExp, secret?: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.match(error.message, pattern);
    if (secret) assert.ok(!`${error.message} ${String(error.cause ?? '')}`.includes(secret), 'the message quotes a value');
    return true;
  };
}

test('a JSON kubeconfig record gives the kubeconfig, its context and its labels', () => {
  // Prepare
  const text = JSON.stringify({ labels: { env: 'prod', tier: 'edge' }, kubeconfig: KUBECONFIG, context: 'admin' });
  // Act
  const record = parseClusterRecord('prod-eu', text);
  // Assess
  assert.deepEqual(record, {
    name: 'prod-eu',
    labels: { env: 'prod', tier: 'edge' },
    access: { type: 'kubeconfig', kubeconfig: KUBECONFIG, context: 'admin' },
  });
});

test('a YAML kubeconfig record with the kubeconfig as a block of text is read like JSON', () => {
  // Prepare
  const text = `labels:\n  env: dev\nkubeconfig: |\n${KUBECONFIG.split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n`;
  // Act
  const record = parseClusterRecord('dev', text);
  // Assess
  assert.deepEqual(record, { name: 'dev', labels: { env: 'dev' }, access: { type: 'kubeconfig', kubeconfig: KUBECONFIG } });
});

test('a kubeconfig pasted as a YAML mapping is kept as a kubeconfig document', () => {
  // Prepare
  const text = `kubeconfig:\n${KUBECONFIG.split('\n')
    .map((line) => `  ${line}`)
    .join('\n')}\n`;
  // Act
  const record = parseClusterRecord('dev', text);
  // Assess
  assert.equal(record.access.type, 'kubeconfig');
  const kubeconfig = record.access.type === 'kubeconfig' ? record.access.kubeconfig : '';
  assert.match(kubeconfig, /current-context: admin/);
  assert.match(kubeconfig, /server: https:\/\/10\.0\.0\.1:6443/);
});

test('a record without labels has none', () => {
  // Act
  const record = parseClusterRecord('dev', JSON.stringify({ kubeconfig: KUBECONFIG }));
  // Assess
  assert.deepEqual(record.labels, {});
});

test('an EKS record given by ARN takes its region from the ARN', () => {
  // Prepare
  const text = JSON.stringify({ labels: { env: 'prod' }, eks: { cluster: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod' } });
  // Act
  const record = parseClusterRecord('prod', text);
  // Assess
  assert.deepEqual(record, {
    name: 'prod',
    labels: { env: 'prod' },
    access: { type: 'eks', clusterName: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', region: 'eu-west-1' },
  });
});

test('a YAML EKS record keeps endpoint, CA and role', () => {
  // Prepare
  const text = [
    'eks:',
    '  cluster: prod',
    '  region: us-east-2',
    '  endpoint: https://ABCDEF.gr7.us-east-2.eks.amazonaws.com',
    '  caData: LS0tLS1CRUdJTg==',
    '  roleArn: arn:aws:iam::123456789012:role/tideline-apply',
  ].join('\n');
  // Act
  const record = parseClusterRecord('prod', text);
  // Assess
  assert.deepEqual(record.access, {
    type: 'eks',
    clusterName: 'prod',
    region: 'us-east-2',
    endpoint: 'https://ABCDEF.gr7.us-east-2.eks.amazonaws.com',
    caData: 'LS0tLS1CRUdJTg==',
    roleArn: 'arn:aws:iam::123456789012:role/tideline-apply',
  });
});

test('an EKS record given by name without a region is refused naming eks.region', () => {
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', '{"eks":{"cluster":"prod"}}'), refusedNaming(/^cluster prod: field eks\.region is required/));
});

test('an EKS region that contradicts the ARN is refused', () => {
  // Prepare
  const text = JSON.stringify({ eks: { cluster: 'arn:aws:eks:eu-west-1:123456789012:cluster/prod', region: 'us-east-1' } });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/field eks\.region differs from the region of the cluster ARN/));
});

test('an EKS endpoint that is not https is refused naming the field without its value', () => {
  // Prepare
  const text = JSON.stringify({ eks: { cluster: 'prod', region: 'us-east-1', endpoint: 'http://insecure.example:8080' } });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/^cluster prod: field eks\.endpoint must be an https:\/\/ URL$/, 'insecure.example'));
});

test('a malformed role ARN is refused naming eks.roleArn', () => {
  // Prepare
  const text = JSON.stringify({ eks: { cluster: 'prod', region: 'us-east-1', roleArn: 'tideline-apply' } });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/field eks\.roleArn is not an IAM role ARN/, 'tideline-apply'));
});

test('a record with both kubeconfig and eks is refused', () => {
  // Prepare
  const text = JSON.stringify({ kubeconfig: KUBECONFIG, eks: { cluster: 'prod', region: 'us-east-1' } });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/exactly one of "kubeconfig" or "eks" \(it has both\)/, 'hunter2'));
});

test('a record with neither kubeconfig nor eks is refused', () => {
  // Act + Assess
  assert.throws(
    () => parseClusterRecord('prod', '{"labels":{"env":"prod"}}'),
    refusedNaming(/^cluster prod: the record must have exactly one of "kubeconfig" or "eks"$/),
  );
});

test('an unknown field is refused by name, so typos are not silently ignored', () => {
  // Prepare
  const text = JSON.stringify({ kubeconfig: KUBECONFIG, contxt: 'admin' });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/unknown field contxt/, 'hunter2'));
});

test('a label with a non-string value is refused naming the label', () => {
  // Prepare
  const text = JSON.stringify({ labels: { replicas: 3 }, kubeconfig: KUBECONFIG });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/field labels\.replicas a label value must be a string/, 'hunter2'));
});

test('a kubeconfig field of the wrong type is refused naming the field', () => {
  // Prepare
  const text = JSON.stringify({ kubeconfig: ['hunter2-in-a-list'] });
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', text), refusedNaming(/^cluster prod: field kubeconfig must be a kubeconfig document/, 'hunter2'));
});

test('a record that is neither JSON nor YAML is refused without quoting its text', () => {
  // Prepare: broken YAML whose parser message would quote the offending line.
  const text = 'kubeconfig: |\n  users: [{ token: hunter2-token }]\n context: [unclosed\n';
  // Act + Assess
  assert.throws(
    () => parseClusterRecord('prod', text),
    refusedNaming(/^cluster prod: the record is neither JSON nor YAML \(syntax error on line \d+\)$/, 'hunter2'),
  );
});

test('a broken JSON record is refused without quoting its text', () => {
  // Act + Assess
  assert.throws(
    () => parseClusterRecord('prod', '{"kubeconfig": "token: hunter2-token", '),
    refusedNaming(/^cluster prod: the record is neither JSON nor YAML/, 'hunter2'),
  );
});

test('an empty record is refused', () => {
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', '  \n'), refusedNaming(/^cluster prod: the record is empty$/));
});

test('a record that is a list is refused', () => {
  // Act + Assess
  assert.throws(() => parseClusterRecord('prod', '- kubeconfig: x'), refusedNaming(/^cluster prod: the record must be a mapping/));
});

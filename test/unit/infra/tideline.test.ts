// The Tideline construct, synthesized once: the resources it deploys, rules equal to the catalog's
// patterns, each function's IAM statements, the apply FIFO wiring, alarms, and cdk-nag's
// AwsSolutions checks (through CDK's policy validation, as `cdk synth` runs them).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ALERTABLE_TYPES } from '#shared/alerts/notification.ts';
import { STATUS_TABLE_KEY } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { applyGroupOf, patternFor, type DetailType } from '#shared/events/catalog.ts';
import { SERVICE_NAMES, type FunctionName } from '#infra/function.ts';
import { runCfnLint } from '#test/env/cfn-lint.ts';
import { synthTideline } from '#test/infra/synth.ts';

const synthesized = synthTideline();
const { template, json, tideline, stack } = synthesized;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function logicalId(construct: { node: { defaultChild?: unknown } } | unknown): string {
  return stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);
}

function resourcesOfType(type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}

/** Every IAM statement on the role of `fn` (inline and attached policies of the stack). */
function statementsOf(roleLogicalId: string): Statement[] {
  return resourcesOfType('AWS::IAM::Policy')
    .filter(([, properties]) => JSON.stringify(properties['Roles']).includes(`"${roleLogicalId}"`))
    .flatMap(([, properties]) => (properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])))].sort();
}

/** The directory of a function's bundle in the cloud assembly. */
function assetOf(fn: typeof tideline.intake): string {
  const code = (json.Resources[logicalId(fn.function)]!.Properties as { Code: { S3Key: string } }).Code.S3Key;
  return path.join(synthesized.outdir, `asset.${code.replace(/\.zip$/, '')}`);
}

const functions: Record<FunctionName, typeof tideline.intake> = {
  'webhook-intake': tideline.intake,
  source: tideline.source,
  render: tideline.render,
  apply: tideline.apply,
  alerts: tideline.alerts,
  drift: tideline.drift,
};

function ruleFor(types: DetailType[]): Record<string, unknown> {
  const expected = patternFor(...types);
  const rules = resourcesOfType('AWS::Events::Rule').filter(
    ([, properties]) => JSON.stringify(properties['EventPattern']) === JSON.stringify({ source: expected.source, 'detail-type': expected['detail-type'] }),
  );
  assert.equal(rules.length, 1, `one rule with the catalog pattern of ${types.join(', ')}`);
  return rules[0]![1];
}

function targetArnOf(rule: Record<string, unknown>): string {
  return JSON.stringify((rule['Targets'] as { Arn: unknown }[])[0]!.Arn);
}

test('each function gets its events through a rule whose pattern is exactly the catalog pattern', () => {
  // Assess: the stack synthesized once, above
  const routes: [DetailType[], string][] = [
    [['GitPushReceived', 'ReconcileRequested'], logicalId(tideline.source.function)],
    [['SourceChanged', 'RenderRequested', 'ReconcileRequested'], logicalId(tideline.render.function)],
    [['ManifestsRendered'], 'RenderedQueue'],
    [[...ALERTABLE_TYPES], 'AlertsQueue'],
    [['DriftCheckRequested'], logicalId(tideline.drift.function)],
  ];
  for (const [types, target] of routes) {
    const rule = ruleFor(types);
    assert.match(targetArnOf(rule), new RegExp(target), `${types.join(', ')} → ${target}`);
    assert.equal(JSON.stringify(rule['EventBusName']).includes(logicalId(tideline.bus)), true);
  }
  assert.equal(resourcesOfType('AWS::Events::Rule').length, routes.length);
});

test('every rule target has a dead-letter queue, and Lambda targets a retry policy', () => {
  // Assess: the stack synthesized once, above
  for (const [id, rule] of resourcesOfType('AWS::Events::Rule')) {
    for (const target of rule['Targets'] as { DeadLetterConfig?: unknown; Arn: unknown; RetryPolicy?: unknown }[]) {
      assert.ok(target.DeadLetterConfig, `${id} has a DLQ`);
      if (JSON.stringify(target.Arn).includes('Function')) assert.ok(target.RetryPolicy, `${id} retries`);
    }
  }
});

test('the bus has an archive for replay', () => {
  // Assess: the stack synthesized once, above
  template.hasResourceProperties('AWS::Events::Archive', { SourceArn: Match.anyValue(), RetentionDays: 30 });
});

test('all six functions run bundled ESM on Node 24, arm64, traced, with the service name their handler logs as', () => {
  // Assess: the stack synthesized once, above
  for (const [name, fn] of Object.entries(functions) as [FunctionName, typeof tideline.intake][]) {
    const properties = json.Resources[logicalId(fn.function)]!.Properties as {
      Runtime: string;
      Architectures: string[];
      TracingConfig: { Mode: string };
      Environment: { Variables: Record<string, string> };
      Handler: string;
    };
    assert.equal(properties.Runtime, 'nodejs24.x', name);
    assert.deepEqual(properties.Architectures, ['arm64'], name);
    assert.equal(properties.TracingConfig.Mode, 'Active', name);
    assert.equal(properties.Environment.Variables['POWERTOOLS_SERVICE_NAME'], SERVICE_NAMES[name]);
    // No --enable-source-maps (its map parse costs every cold start ~40 ms): the map ships beside
    // the bundle and functions/commons reads it when a stack is formatted.
    assert.equal(properties.Environment.Variables['NODE_OPTIONS'], undefined, name);
    assert.ok(existsSync(path.join(assetOf(fn), 'index.mjs.map')), `the ${name} bundle ships its source map`);
    // The bundle holds the name its logger was given in code: the two must agree.
    assert.ok(
      readFileSync(path.join(assetOf(fn), 'index.mjs'), 'utf8').includes(`"${SERVICE_NAMES[name]}"`),
      `the ${name} bundle logs as ${SERVICE_NAMES[name]}`,
    );
  }
  assert.equal(resourcesOfType('AWS::Lambda::Function').length, 6);
});

test('source and render have memory and /tmp sized for the Git cache; intake has bounded concurrency behind a public URL', () => {
  // Assess: the stack synthesized once, above
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'tideline-source' }) },
    MemorySize: 1024,
    EphemeralStorage: { Size: 2048 },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'tideline-render' }) },
    MemorySize: 2048,
    EphemeralStorage: { Size: 2048 },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'tideline-webhook-intake' }) },
    ReservedConcurrentExecutions: 10,
  });
  template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
});

test('the pipeline functions share one environment naming the bus, bucket, status table, prefix and bootstrap', () => {
  // Assess: the stack synthesized once, above
  for (const fn of [tideline.source, tideline.render, tideline.apply]) {
    const variables = (json.Resources[logicalId(fn.function)]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    assert.deepEqual(variables['TIDELINE_BUS_NAME'], { Ref: logicalId(tideline.bus) });
    assert.deepEqual(variables['TIDELINE_ARTIFACT_BUCKET'], { Ref: logicalId(tideline.bucket) });
    assert.deepEqual(variables['TIDELINE_STATUS_TABLE'], { Ref: logicalId(tideline.statusTable) });
    assert.equal(variables['TIDELINE_SECRETS_PREFIX'], 'tideline/');
    assert.equal((JSON.parse(variables['TIDELINE_BOOTSTRAP'] as string) as { spec: { url: string } }).spec.url, 'https://git.example.com/fleet.git');
  }
});

test('apply is fed by a FIFO queue, grouped per cluster and Kustomization and deduplicated on the event id, with a DLQ', () => {
  // Assess: the stack synthesized once, above
  const fifo = json.Resources[logicalId(tideline.applyQueue)]!.Properties as Record<string, unknown>;
  assert.equal(fifo['FifoQueue'], true);
  assert.equal(fifo['ContentBasedDeduplication'], false);
  assert.equal(fifo['DeduplicationScope'], 'messageGroup');
  assert.equal(fifo['FifoThroughputLimit'], 'perMessageGroupId');
  assert.ok((fifo['RedrivePolicy'] as { deadLetterTargetArn: unknown }).deadLetterTargetArn);
  template.hasResourceProperties('AWS::Pipes::Pipe', {
    Target: { 'Fn::GetAtt': [logicalId(tideline.applyQueue), 'Arn'] },
    TargetParameters: {
      InputTemplate: '<$.body>',
      SqsQueueParameters: { MessageGroupId: '$.body.detail.group', MessageDeduplicationId: '$.body.detail.eventId' },
    },
  });
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: { 'Fn::GetAtt': [logicalId(tideline.applyQueue), 'Arn'] },
    FunctionName: { Ref: logicalId(tideline.apply.function) },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
});

test('the apply group is the cluster and Kustomization, hashed when it would pass SQS’s 128 characters', () => {
  // Act
  const short = applyGroupOf('prod', { namespace: 'flux-system', name: 'apps' });
  const long = applyGroupOf('c'.repeat(60), { namespace: 'n'.repeat(63), name: 'k'.repeat(63) });
  const longNeighbour = applyGroupOf('c'.repeat(60), { namespace: 'n'.repeat(63), name: `${'k'.repeat(62)}x` });

  // Assess
  assert.equal(short, 'prod/flux-system/apps');
  assert.match(long, /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(long, longNeighbour);
});

/** Asserts a Scheduler schedule at `expression` invokes `fn` with a Scheduled Event and has a DLQ. */
function assertScheduledEvery(expression: string, fn: unknown): void {
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: expression,
    Target: Match.objectLike({
      Arn: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
      DeadLetterConfig: Match.anyValue(),
      Input: JSON.stringify({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler' }),
    }),
  });
}

test('the drift sweep runs on its schedule and its shards come back to it through the bus, with its settings in the environment', () => {
  // Assess: the stack synthesized once, above
  assertScheduledEvery('rate(15 minutes)', tideline.drift.function);
  const variables = (json.Resources[logicalId(tideline.drift.function)]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
    .Variables;
  assert.deepEqual(
    [variables['TIDELINE_DRIFT_SHARD_SIZE'], variables['TIDELINE_DRIFT_CONCURRENCY'], variables['TIDELINE_DRIFT_CLUSTER_DEADLINE_MS']],
    ['25', '10', '20000'],
  );
  assert.deepEqual(variables['TIDELINE_STATUS_TABLE'], { Ref: logicalId(tideline.statusTable) });
});

test('the schedule invokes the source function with a Scheduled Event through Scheduler, with a DLQ', () => {
  // Assess: the stack synthesized once, above
  assertScheduledEvery('rate(1 minute)', tideline.source.function);
});

test('the bucket is encrypted, private, SSL-only and expires old bundles', () => {
  // Assess: the stack synthesized once, above
  template.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'bundles/', ExpirationInDays: 30, Status: 'Enabled' })]) },
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});

test('the deliveries, dedup and status tables have TTL; the status table has the store’s key schema', () => {
  // Assess: the stack synthesized once, above
  for (const table of [tideline.deliveriesTable, tideline.dedupTable, tideline.statusTable]) {
    const properties = json.Resources[logicalId(table)]!.Properties as {
      TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
      KeySchema: { AttributeName: string; KeyType: string }[];
    };
    assert.deepEqual(properties.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
  }
  const status = json.Resources[logicalId(tideline.statusTable)]!.Properties as { KeySchema: unknown };
  assert.deepEqual(status.KeySchema, [
    { AttributeName: STATUS_TABLE_KEY.partitionKey, KeyType: 'HASH' },
    { AttributeName: STATUS_TABLE_KEY.sortKey, KeyType: 'RANGE' },
  ]);
});

test('each function’s role has exactly its own actions', () => {
  // Assess: the stack synthesized once, above
  // The lists are built from the grants each function's role stands for, so a change to one grant
  // shows in every function that holds it; the comparison is still against the exact sorted list.
  const observed = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
  const readsConfig = ['s3:GetObject', 's3:ListBucket', 'secretsmanager:GetSecretValue'];
  const claims = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
  const status = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem'];
  const reachesClusters = ['eks:DescribeCluster', 'secretsmanager:DescribeSecret', 'sts:AssumeRole'];
  const consumesQueue = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
  const emits = ['events:PutEvents', 'sqs:SendMessage'];
  const role = (...grants: string[][]): string[] => [...new Set(grants.flat())].sort();
  const expected: Record<FunctionName, string[]> = {
    'webhook-intake': role(observed, readsConfig, claims, ['events:PutEvents']),
    source: role(observed, readsConfig, status, emits),
    render: role(observed, readsConfig, status, emits, reachesClusters, ['kms:Decrypt', 's3:PutObject']),
    apply: role(observed, readsConfig, status, emits, reachesClusters, consumesQueue),
    drift: role(observed, readsConfig, status, emits, reachesClusters),
    alerts: role(observed, readsConfig, claims, consumesQueue),
  };
  for (const [name, fn] of Object.entries(functions) as [FunctionName, typeof tideline.intake][]) {
    assert.deepEqual(actionsOf(statementsOf(logicalId(fn.role))), expected[name], name);
  }
  // No managed policy (AWSLambdaBasicExecutionRole would allow writing to every log group).
  for (const fn of Object.values(functions))
    assert.equal((json.Resources[logicalId(fn.role)]!.Properties as { ManagedPolicyArns?: unknown }).ManagedPolicyArns, undefined);
});

test('no statement has a `*` resource except X-Ray’s, which supports no resource-level permissions', () => {
  // Assess: the stack synthesized once, above
  for (const [id, policy] of resourcesOfType('AWS::IAM::Policy')) {
    for (const statement of (policy['PolicyDocument'] as { Statement: Statement[] }).Statement) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      if (resources.includes('*')) assert.deepEqual(actionsOf([statement]), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], id);
    }
  }
});

test('secrets are readable only under the prefix, KMS only with the named keys, cluster roles only those named', () => {
  // Assess: the stack synthesized once, above
  const all = resourcesOfType('AWS::IAM::Policy').flatMap(([, policy]) => (policy['PolicyDocument'] as { Statement: Statement[] }).Statement);
  const resourcesFor = (action: string, effect = 'Allow'): string[] =>
    all
      .filter((statement) => statement.Effect === effect && actionsOf([statement]).includes(action))
      .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]))
      .map((resource) => JSON.stringify(resource));
  const providerSecret = logicalId(tideline.providerSecrets[0]);
  for (const resource of resourcesFor('secretsmanager:GetSecretValue'))
    assert.ok(/:secret:tideline\/\*/.test(resource) || resource === JSON.stringify({ Ref: providerSecret }), resource);
  assert.deepEqual(new Set(resourcesFor('kms:Decrypt')), new Set(['"arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001"']));
  assert.deepEqual(new Set(resourcesFor('sts:AssumeRole')), new Set(['"arn:aws:iam::222222222222:role/tideline-apply"']));
});

test('alerts reads only the Provider secrets the construct created; intake and alerts are denied the cluster records', () => {
  // Assess: the stack synthesized once, above
  template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'tideline/flux-system/slack-bot' });
  const allowed = (role: string): Statement[] =>
    statementsOf(role).filter((statement) => statement.Effect === 'Allow' && actionsOf([statement]).includes('secretsmanager:GetSecretValue'));
  assert.deepEqual(
    allowed(logicalId(tideline.alerts.role)).map((statement) => statement.Resource),
    [{ Ref: logicalId(tideline.providerSecrets[0]) }],
  );
  for (const fn of [tideline.intake, tideline.alerts]) {
    const denied = statementsOf(logicalId(fn.role)).filter((statement) => statement.Effect === 'Deny');
    assert.equal(denied.length, 1, fn.serviceName);
    assert.match(JSON.stringify(denied[0]!.Resource), /:secret:tideline\/clusters\/\*/);
  }
});

test('every dead-letter queue, every function’s errors and throttles, and the schedule tick have an alarm; one dashboard', () => {
  // Assess: the stack synthesized once, above
  const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, properties]) => properties);
  const named = (metric: string): number => alarms.filter((alarm) => alarm['MetricName'] === metric).length;
  assert.equal(named('ApproximateNumberOfMessagesVisible'), tideline.deadLetterQueues.length);
  assert.ok(tideline.deadLetterQueues.length >= 6, 'events, invoke DLQs of source/render/apply, rendered, apply, alerts');
  assert.equal(named('Errors'), 6);
  assert.equal(named('Throttles'), 6);
  assert.equal(named('Duration'), 1);
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
});

test('logs are kept for a month', () => {
  // Assess: the stack synthesized once, above
  for (const [, group] of resourcesOfType('AWS::Logs::LogGroup')) assert.equal(group['RetentionInDays'], 30);
  assert.equal(resourcesOfType('AWS::Logs::LogGroup').length, 6);
});

test('each bundle is a minified ESM file with a source map; intake and alerts carry their bootstrap configuration', () => {
  // Assess: the stack synthesized once, above
  for (const fn of Object.values(functions)) {
    assert.ok(existsSync(path.join(assetOf(fn), 'index.mjs')));
    assert.ok(existsSync(path.join(assetOf(fn), 'index.mjs.map')));
  }
  assert.ok(existsSync(path.join(assetOf(tideline.intake), 'receivers.yaml')));
  assert.ok(existsSync(path.join(assetOf(tideline.alerts), 'alerts-config', 'notifications.yaml')));
});

test('cdk-nag AwsSolutions finds nothing unacknowledged in the stack', () => {
  // Assess: the stack synthesized once, above
  const report = JSON.parse(readFileSync(path.join(synthesized.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
  assert.deepEqual(
    report.pluginReports.flatMap((plugin) => plugin.violations ?? []),
    [],
  );
});

test('the same cdk-nag check reports a queue without a dead-letter queue (the check runs)', () => {
  // Prepare: a stack with one bare queue, checked as the Tideline stack is.
  const outdir = mkdtempSync(path.join(tmpdir(), 'tideline-nag-'));
  const app = new App({ outdir });
  const control = new Stack(app, 'Control');
  new sqs.Queue(control, 'Bare', { enforceSSL: true });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Act
  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  // Assess
  assert.match(String((failure as Error | undefined)?.message), /Validation failed/);
  assert.match(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'), /AwsSolutions-SQS3/);
});

test('cfn-lint finds nothing in the synthesized template', async () => {
  // Act: W3005 (a DependsOn next to a GetAtt of the same resource) is CDK's own: a function depends on its role explicitly.
  const { code, output } = await runCfnLint([synthesized.templateFile], ['--ignore-checks', 'W3005']);
  // Assess
  assert.equal(code, 0, output);
});

test('cfn-lint reports a broken template (the lint runs)', async () => {
  // Prepare: a queue with a property CloudFormation does not have.
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tideline-cfn-lint-')), 'broken.json');
  writeFileSync(file, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeoutSeconds: 30 } } } }));
  // Act
  const { code, output } = await runCfnLint([file]);
  // Assess
  assert.notEqual(code, 0);
  assert.match(output, /VisibilityTimeoutSeconds/);
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ALERTABLE_TYPES } from '#shared/alerts/notification.ts';
import { Tideline } from '#infra/tideline.ts';
import { patternFor } from '#shared/events/catalog.ts';

const fleet = path.resolve('examples/fleet/clusters/dev');

// One synth (it bundles both functions with esbuild) shared by every assertion below.
const outdir = mkdtempSync(path.join(tmpdir(), 'tideline-cdk-'));
const app = new App({ outdir });
const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
new Tideline(stack, 'Tideline', { receiversFile: path.join(fleet, 'notifications.yaml'), alertsConfigDir: fleet });
const template = Template.fromStack(stack);

test('the alerts rule selects exactly the catalog pattern of the alert events and targets the alerts queue', () => {
  const expected = patternFor(...ALERTABLE_TYPES);
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: { source: expected.source, 'detail-type': expected['detail-type'] },
    Targets: Match.arrayWith([Match.objectLike({ Arn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith([Match.stringLikeRegexp('AlertsQueue')]) }) })]),
  });
});

test('both functions run on Node 24 and the alerts function reports partial batch failures', () => {
  template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x' }, 2);
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
});

test('the alerts queue has a dead-letter queue and outlasts a slow delivery', () => {
  template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }), VisibilityTimeout: 720 });
  template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 120, Environment: Match.objectLike({ Variables: Match.objectLike({ TIDELINE_ALERTS_CONFIG_DIR: '/var/task/alerts-config' }) }) });
});

test('the webhook endpoint is a public function URL and the intake can only read secrets under the prefix', () => {
  template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
  const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
  assert.match(policies, /secret:tideline\/\*/);
  assert.doesNotMatch(policies, /"secretsmanager:\*"/);
});

test('the bundled intake handler loads with its receivers file and answers an unknown hook path with 404', async () => {
  // The intake asset is the bundle that had the receivers file copied next to it.
  const assetDir = readdirSync(outdir)
    .map((entry) => path.join(outdir, entry))
    .find((dir) => existsSync(path.join(dir, 'receivers.yaml')));
  assert.ok(assetDir, 'the intake bundle was synthesized with receivers.yaml');
  process.env.TIDELINE_RECEIVERS_FILE = path.join(assetDir, 'receivers.yaml');
  process.env.TIDELINE_DELIVERIES_TABLE = 'deliveries';
  process.env.AWS_REGION = 'eu-west-1';
  const bundle = (await import(pathToFileURL(path.join(assetDir, 'index.mjs')).href)) as { handler: (event: unknown) => Promise<{ statusCode: number }> };
  const response = await bundle.handler({
    version: '2.0',
    rawPath: '/hook/0000',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/hook/0000' } },
  });
  assert.equal(response.statusCode, 404);
});

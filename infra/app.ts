/**
 * CDK app: `npx cdk synth` / `npx cdk deploy`. The fleet's notification objects (Receiver, Alert,
 * Provider) are taken from TIDELINE_NOTIFICATIONS_DIR (a directory whose notifications.yaml holds them) or, by default, from
 * the example fleet in `examples/fleet/clusters/dev/`.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Tideline } from './tideline.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const notificationsDir = process.env.TIDELINE_NOTIFICATIONS_DIR ?? path.join(root, 'examples/fleet/clusters/dev');

const app = new App();
const stack = new Stack(app, 'Tideline', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
const tideline = new Tideline(stack, 'Tideline', {
  receiversFile: path.join(notificationsDir, 'notifications.yaml'),
  alertsConfigDir: notificationsDir,
});
new CfnOutput(stack, 'WebhookUrl', { value: tideline.webhookUrl.url });
app.synth();

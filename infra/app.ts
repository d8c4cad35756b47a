/**
 * CDK app: `npx cdk synth` / `npx cdk deploy` (`npm run deploy`). Settings come from CDK context
 * (`cdk.json`, or `-c key=value`):
 *
 * - `tideline:repositoryUrl`, `tideline:branch` (or `tideline:tag`): the bootstrap fleet repository;
 *   `tideline:repositorySecret`: the name of its credentials secret under the prefix, if it needs one.
 * - `tideline:notificationsDir`: a directory whose `notifications.yaml` holds the bootstrap Receivers,
 *   Alerts and Providers (default: the example fleet's `examples/fleet/clusters/dev/`).
 * - `tideline:secretsPrefix`, `tideline:sopsKeyArns`, `tideline:clusterRoleArns`, `tideline:providerSecrets`
 *   (`<namespace>/<name>` of each alert Provider's secretRef); lists are comma-separated.
 */
import * as path from 'node:path';
import { App, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PROJECT_ROOT } from './function.ts';
import { Tideline } from './tideline.ts';

const app = new App();
// cdk-nag's AwsSolutions pack on every synth and deploy: an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(`tideline:${key}`);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};
const list = (key: string): string[] | undefined =>
  context(key)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const notificationsDir = path.resolve(PROJECT_ROOT, context('notificationsDir') ?? 'examples/fleet/clusters/dev');
const tag = context('tag');
const secretName = context('repositorySecret');

const stack = new Stack(app, 'Tideline', {
  env: {
    ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}),
    ...(process.env.CDK_DEFAULT_REGION ? { region: process.env.CDK_DEFAULT_REGION } : {}),
  },
});
const secretsPrefix = context('secretsPrefix');
const sopsKeyArns = list('sopsKeyArns');
const clusterRoleArns = list('clusterRoleArns');
const providerSecrets = list('providerSecrets');
const tideline = new Tideline(stack, 'Tideline', {
  bootstrap: {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'flux-system', namespace: 'flux-system' },
    spec: {
      interval: '1m',
      url: context('repositoryUrl') ?? 'https://github.com/example/fleet.git',
      ref: tag ? { tag } : { branch: context('branch') ?? 'main' },
      ...(secretName ? { secretRef: { name: secretName } } : {}),
    },
  },
  receiversFile: path.join(notificationsDir, 'notifications.yaml'),
  alertsConfigDir: notificationsDir,
  ...(secretsPrefix ? { secretsPrefix } : {}),
  ...(sopsKeyArns ? { sopsKeyArns } : {}),
  ...(clusterRoleArns ? { clusterRoleArns } : {}),
  ...(providerSecrets ? { providerSecrets } : {}),
});
new CfnOutput(stack, 'WebhookUrl', { value: tideline.webhookUrl.url, description: 'Point the Git host webhooks here (path /hook/<digest> of each Receiver)' });
new CfnOutput(stack, 'ApplyRoleArn', { value: tideline.apply.role.roleArn, description: 'Give this role an EKS access entry on every cluster' });
new CfnOutput(stack, 'RenderRoleArn', { value: tideline.render.role.roleArn, description: 'Reads substituteFrom and decryption Secrets from the clusters' });
app.synth();

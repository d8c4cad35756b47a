// One synthesized Tideline stack per test process: synth bundles every function with esbuild (a few
// seconds each), so each test file that needs the template or the bundles synthesizes once and shares it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Tideline, type TidelineProps } from '#infra/tideline.ts';

export const fleetDir = path.resolve('examples/fleet/clusters/dev');

/** A bootstrap GitRepository `flux-system/<name>` for `url`. */
export function bootstrapRepository(url: string, name = 'flux-system'): Record<string, unknown> {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '1m', url, ref: { branch: 'main' } },
  };
}

export interface SynthesizedTideline {
  stack: Stack;
  tideline: Tideline;
  template: Template;
  /** The CloudFormation template as JSON. */
  json: CloudFormationTemplate;
  /** Where the template and the function bundles (asset directories) were written. */
  outdir: string;
  templateFile: string;
}

export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

let cached: SynthesizedTideline | undefined;

/** Synthesizes the stack once (with cdk-nag's AwsSolutions checks) and returns it. */
export function synthTideline(overrides: Partial<TidelineProps> = {}): SynthesizedTideline {
  if (cached) return cached;
  const outdir = mkdtempSync(path.join(tmpdir(), 'tideline-cdk-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const tideline = new Tideline(stack, 'Tideline', {
    bootstrap: bootstrapRepository('https://git.example.com/fleet.git'),
    receiversFile: path.join(fleetDir, 'notifications.yaml'),
    alertsConfigDir: fleetDir,
    sopsKeyArns: ['arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-000000000001'],
    clusterRoleArns: ['arn:aws:iam::222222222222:role/tideline-apply'],
    providerSecrets: ['flux-system/slack-bot'],
    ...overrides,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const assembly = app.synth();
  const templateFile = path.join(assembly.directory, stack.templateFile);
  cached = {
    stack,
    tideline,
    template: Template.fromStack(stack),
    json: JSON.parse(readFileSync(templateFile, 'utf8')) as CloudFormationTemplate,
    outdir: assembly.directory,
    templateFile,
  };
  return cached;
}

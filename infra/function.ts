/**
 * How every Tideline function is built and deployed: one `functions/<name>/handler.ts` bundled by
 * esbuild on this machine (no Docker), ESM for Node 24 on arm64, minified with source maps; its own
 * role (logs to its own log group, nothing else until the construct grants it) and its own log
 * group with a retention.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration, Size } from 'aws-cdk-lib';
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAMES, type FunctionName } from '#functions/commons/services.ts';

export { SERVICE_NAMES, type FunctionName };

/** The repository root: entries, the lock file and files copied into bundles are found from here. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface TidelineFunctionProps {
  /** The directory under `functions/` holding `handler.ts`; or an absolute entry file for a function added later. */
  name: FunctionName | { entry: string; serviceName: string };
  timeout: Duration;
  memorySize: number;
  environment: Record<string, string>;
  /** Lambda's writable `/tmp` (default 512 MiB). */
  ephemeralStorageSize?: Size;
  /** Files or directories copied next to the bundle (`to` relative to the bundle root, i.e. `/var/task`). */
  copy?: { from: string; to: string }[];
  reservedConcurrentExecutions?: number;
  /** Where Lambda puts an asynchronous invocation that failed every retry. */
  deadLetterQueue?: sqs.IQueue;
  logRetention: logs.RetentionDays;
}

/** The module function bundles get for `node:http` (and `http`). */
export const NODE_HTTP_SHIM = path.join(PROJECT_ROOT, 'infra/bundling/node-http.cjs');

/** isomorphic-git's ES module build, which esbuild can tree-shake. */
export const ISOMORPHIC_GIT_ESM = path.join(PROJECT_ROOT, 'node_modules/isomorphic-git/index.js');

/** `yaml`'s ES module build (its `node` condition picks CommonJS, which esbuild cannot tree-shake). */
export const YAML_ESM = path.join(PROJECT_ROOT, 'node_modules/yaml/browser/dist/index.js');

/** The AWS SDK's default credential chain as function bundles get it: Lambda's environment credentials only. */
export const LAMBDA_CREDENTIALS = path.join(PROJECT_ROOT, 'infra/bundling/lambda-credentials.mjs');

/** `sha.js/sha1.js` (isomorphic-git's SHA-1) as function bundles get it: Node's native hash. */
export const NATIVE_SHA1 = path.join(PROJECT_ROOT, 'infra/bundling/sha1.cjs');

/** `pako` (isomorphic-git's zlib) as function bundles get it: Node's native zlib. */
export const NATIVE_ZLIB = path.join(PROJECT_ROOT, 'infra/bundling/pako.cjs');

/** The esbuild options every function bundle is built with (asserted by test/unit/infra/bundling.test.ts). */
export const BUNDLING = {
  format: nodejs.OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  // Stack traces need only the mappings, read when a stack is first formatted (functions/commons/
  // stack-traces.ts): without the sources inlined the map is a fraction of the size.
  sourcesContent: false,
  // Licence texts go to a file of their own next to the bundle, out of the code Lambda loads.
  // `node:http` comes as a CommonJS value, so its lazy fetch classes stay unloaded (see the shim).
  // isomorphic-git's and yaml's ES module builds, not the CommonJS ones their `node` condition
  // picks: only what shared/ calls is bundled (isomorphic-git 61 KB instead of 161 KB, yaml 96
  // instead of 113). The SDK's credential chain without the links Lambda never answers (~105 KB),
  // and isomorphic-git's SHA-1 and zlib from Node's own, not sha.js and its polyfills (~25 KB)
  // and pako (~45 KB).
  esbuildArgs: {
    '--legal-comments': 'external',
    '--alias:node:http': NODE_HTTP_SHIM,
    '--alias:http': NODE_HTTP_SHIM,
    '--alias:isomorphic-git': ISOMORPHIC_GIT_ESM,
    '--alias:yaml': YAML_ESM,
    '--alias:@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS,
    '--alias:sha.js/sha1.js': NATIVE_SHA1,
    '--alias:pako': NATIVE_ZLIB,
  },
  // ES module builds first: the AWS SDK's tree-shake (its CommonJS builds do not), 10–20 % smaller bundles.
  mainFields: ['module', 'main'],
  // The AWS SDK is bundled too: the version the tests ran is the version that runs.
  externalModules: [],
  // Handlers use top-level await and some dependencies still call require().
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
} satisfies nodejs.BundlingOptions;

/** A bundled Tideline function with its own role and log group. */
export class TidelineFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: TidelineFunctionProps) {
    super(scope, id);
    const entry = typeof props.name === 'string' ? path.join(PROJECT_ROOT, 'functions', props.name, 'handler.ts') : props.name.entry;
    this.serviceName = typeof props.name === 'string' ? SERVICE_NAMES[props.name] : props.name.serviceName;
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    // Our own role rather than AWSLambdaBasicExecutionRole: that managed policy lets a function write
    // to every log group of the account; this one writes to its own.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    const copy = props.copy ?? [];
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.ephemeralStorageSize ? { ephemeralStorageSize: props.ephemeralStorageSize } : {}),
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      // (Lambda adds xray:PutTraceSegments and xray:PutTelemetryRecords on `*` for active tracing.)
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      bundling: {
        ...BUNDLING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => copy.map(({ from, to }) => `cp -R "${from}" "${path.posix.join(output, to)}"`),
        },
      },
    });
    acknowledgeWildcard(this.role, '*', 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (active tracing)');
  }

  /**
   * Adds a statement to this function's role only. A resource with a wildcard needs `wildcardReason`
   * (why it cannot be narrower), which acknowledges cdk-nag's AwsSolutions-IAM5 finding for exactly it.
   */
  allow(actions: string[], resources: string[], wildcardReason?: string): void {
    this.role.addToPolicy(new iam.PolicyStatement({ actions, resources }));
    const wildcards = resources.filter((resource) => flattenArn(this, resource).includes('*'));
    if (wildcards.length > 0 && !wildcardReason)
      throw new Error(`${this.node.path}: ${actions.join(', ')} on ${wildcards.join(', ')} needs a reason for its wildcard`);
    for (const resource of wildcards) acknowledgeWildcard(this.role, resource, wildcardReason as string);
  }
}

/**
 * An ARN as cdk-nag names it in a finding: tokens resolved to CloudFormation, then `Ref`s as
 * `<Name>` and `Fn::GetAtt`s as `<Resource.Attribute>`.
 */
export function flattenArn(scope: Construct, arn: string): string {
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
    if (intrinsic.Ref) return `<${intrinsic.Ref}>`;
    if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
    if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(flatten).join(intrinsic['Fn::Join'][0]);
    return JSON.stringify(value);
  };
  return flatten(Stack.of(scope).resolve(arn));
}

/** Acknowledges cdk-nag's wildcard finding for `resource` on `scope`, with why it is needed. */
export function acknowledgeWildcard(scope: Construct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattenArn(scope, resource)}]`, reason });
}

/** The ARN pattern of the Secrets Manager secrets whose names start with `prefix` (the 6-character suffix AWS appends included). */
export function secretArnsUnder(scope: Construct, prefix: string): string {
  return Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The Tideline construct: the whole pipeline in one L3 construct — the event bus (with an archive
 * for replay), webhook intake behind a Function URL, source, render, apply behind an SQS FIFO
 * queue, alerts, the schedule, the artifact bucket, the tables, and per-function least-privilege
 * roles, alarms and a dashboard.
 *
 * Rules are built from the event catalog's patterns, so infra and the functions can never disagree
 * about which events a function receives.
 *
 * Apply ordering: EventBridge rules give an SQS FIFO target one fixed message group, which would
 * serialise every apply of the fleet. ManifestsRendered therefore carries its group
 * (`<cluster>/<namespace>/<name>`), and an EventBridge pipe moves each event from a standard queue
 * (the rule's target) to the FIFO queue with that group and the event id as deduplication id.
 */
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERTABLE_TYPES } from '#shared/alerts/notification.ts';
import { parseGitRepository } from '#shared/config/git-repository.ts';
import { STATUS_TABLE_KEY } from '#shared/adapters/aws/dynamodb-status-store.ts';
import { DEFAULT_BUS_NAME, patternFor, type DetailType } from '#shared/events/catalog.ts';
import { FLEET_SNAPSHOT_KEY } from '#shared/pipeline/fleet-store.ts';
import { acknowledgeWildcard, secretArnsUnder, TidelineFunction, type FunctionName, type TidelineFunctionProps } from './function.ts';

/** Memory (MB) per function. */
export interface TidelineMemory {
  intake?: number;
  source?: number;
  render?: number;
  apply?: number;
  alerts?: number;
  drift?: number;
}

/** The drift sweep's settings. */
export interface TidelineSweepProps {
  /** How often the sweep runs (default 15 minutes). */
  rate?: Duration;
  /** Clusters per sweep shard, i.e. per drift invocation (default 25, at most 200). */
  shardSize?: number;
  /** Clusters one shard checks at once (default 10). */
  concurrency?: number;
  /** Time one cluster's check may take before it is reported Timeout (default 20 seconds). */
  clusterDeadline?: Duration;
}

export interface TidelineProps {
  /** The bootstrap fleet repository: a Flux GitRepository object (validated at synth). */
  bootstrap: Record<string, unknown>;
  /** YAML file with the bootstrap Flux `Receiver` objects (bundled with the intake function). */
  receiversFile: string;
  /** Directory with the bootstrap Flux `Alert` and `Provider` objects (bundled with the alerts function). */
  alertsConfigDir: string;
  /** Prefix of the Secrets Manager names the pipeline reads (webhook tokens, Git credentials, clusters under `<prefix>clusters/`); default `tideline/`. */
  secretsPrefix?: string;
  /**
   * The Provider secrets (Slack bot tokens, webhook URLs) as `<namespace>/<name>` of each Provider's
   * `secretRef`: the construct creates them (`<prefix><namespace>/<name>`, a value for you to set)
   * and the alerts function reads only them. Without it, alerts reads any secret under the prefix
   * but the cluster records.
   */
  providerSecrets?: string[];
  /** KMS keys render may decrypt with (SOPS); none by default. */
  sopsKeyArns?: string[];
  /** IAM roles a cluster record may name for reaching its EKS cluster (render and apply may assume them); none by default. */
  clusterRoleArns?: string[];
  /** Name of the EventBridge bus (default `tideline`). */
  busName?: string;
  /** How often the source function's schedule runs (intervals of sources and Kustomizations; default 1 minute). */
  scheduleRate?: Duration;
  /** Targets per render shard (default 25). */
  renderShardSize?: number;
  /** The drift sweep's rate and shard size. */
  sweep?: TidelineSweepProps;
  memory?: TidelineMemory;
  /** Writable `/tmp` of source and render, which holds the Git cache (default 2 GiB). */
  gitCacheSize?: Size;
  /** Concurrent webhook deliveries at most (default 10): a flood of requests cannot starve the rest of the account. */
  intakeConcurrency?: number;
  /** Days a rendered bundle is kept in the bucket (default 30; render writes it again when needed). */
  bundleRetentionDays?: number;
  /** How long the bus archive keeps events for replay (default 30 days). */
  archiveRetention?: Duration;
  logRetention?: logs.RetentionDays;
  /** Where alarms are sent (none by default: they show on the dashboard). */
  alarmTopic?: sns.ITopic;
  /** Removal policy of the bucket and tables (default RETAIN). */
  removalPolicy?: RemovalPolicy;
}

/** What a pipeline function may touch; the construct turns it into IAM statements on that function only. */
export interface PipelineAccess {
  /** Publish to the bus. */
  publish?: boolean;
  /** Read (`read`) or read and update (`write`) the status table. */
  status?: 'read' | 'write';
  /** Object key patterns in the artifact bucket it reads, and writes. */
  readObjects?: string[];
  writeObjects?: string[];
  /** Read secrets under the prefix. */
  secrets?: boolean;
  /** Reach clusters: DescribeSecret of cluster records, EKS DescribeCluster, the cluster roles. */
  clusters?: boolean;
  /** Decrypt with the SOPS keys. */
  sops?: boolean;
}

const BUNDLES = 'bundles/*';
const SNAPSHOT = FLEET_SNAPSHOT_KEY;

/** Tideline's serverless pipeline. */
export class Tideline extends Construct {
  readonly bus: events.EventBus;
  readonly bucket: s3.Bucket;
  readonly deliveriesTable: dynamodb.TableV2;
  readonly dedupTable: dynamodb.TableV2;
  readonly statusTable: dynamodb.TableV2;
  readonly webhookUrl: lambda.FunctionUrl;
  readonly intake: TidelineFunction;
  readonly source: TidelineFunction;
  readonly render: TidelineFunction;
  readonly apply: TidelineFunction;
  readonly alerts: TidelineFunction;
  /** The drift sweep: scheduled, fanned out in shards over the bus. */
  readonly drift: TidelineFunction;
  /** The Provider secrets the construct created (props.providerSecrets). */
  readonly providerSecrets: secretsmanager.Secret[];
  /** The apply queue (FIFO, one message group per cluster and Kustomization). */
  readonly applyQueue: sqs.Queue;
  /** Every dead-letter queue, each with a depth alarm. */
  readonly deadLetterQueues: sqs.Queue[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** The drift sweep's settings, defaults resolved. */
  readonly sweep: Required<TidelineSweepProps>;
  /** The environment every pipeline function (source, render, apply, and functions added with {@link addPipelineFunction}) gets. */
  readonly pipelineEnvironment: Record<string, string>;

  readonly #secretsPrefix: string;
  readonly #props: TidelineProps;
  readonly #eventsDlq: sqs.Queue;
  readonly #functions: TidelineFunction[] = [];
  readonly #alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: TidelineProps) {
    super(scope, id);
    this.#props = props;
    parseGitRepository(props.bootstrap, 'Tideline props.bootstrap'); // a bad bootstrap fails the synth, not the first cold start
    this.#secretsPrefix = props.secretsPrefix ?? 'tideline/';
    this.sweep = {
      rate: props.sweep?.rate ?? Duration.minutes(15),
      shardSize: props.sweep?.shardSize ?? 25,
      concurrency: props.sweep?.concurrency ?? 10,
      clusterDeadline: props.sweep?.clusterDeadline ?? Duration.seconds(20),
    };
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const memory = props.memory ?? {};

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? DEFAULT_BUS_NAME });
    this.bus.archive('Archive', {
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(30),
      description: 'Tideline events, for replay',
    });
    // Where EventBridge and Scheduler put what they could not deliver to a target.
    this.#eventsDlq = this.#deadLetterQueue('EventsDlq');
    Validations.of(this.#eventsDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'it is the dead-letter queue of every EventBridge rule target and of the schedule (target DLQs, which cdk-nag does not recognise)',
    });

    this.bucket = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [
        { id: 'expire-old-bundles', prefix: 'bundles/', expiration: Duration.days(props.bundleRetentionDays ?? 30) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'holds derived artifacts only (rendered bundles, the fleet snapshot), rebuilt from Git; CloudTrail data events are the audit trail where one is wanted',
    });
    this.deliveriesTable = this.#table('Deliveries', removalPolicy);
    this.dedupTable = this.#table('Dedup', removalPolicy);
    this.statusTable = this.#table('Status', removalPolicy, STATUS_TABLE_KEY.sortKey);

    this.pipelineEnvironment = {
      TIDELINE_BUS_NAME: this.bus.eventBusName,
      TIDELINE_ARTIFACT_BUCKET: this.bucket.bucketName,
      TIDELINE_STATUS_TABLE: this.statusTable.tableName,
      TIDELINE_SECRETS_PREFIX: this.#secretsPrefix,
      TIDELINE_BOOTSTRAP: JSON.stringify(props.bootstrap),
      TIDELINE_GIT_CACHE: '/tmp/tideline-git',
      TIDELINE_RENDER_SHARD_SIZE: String(props.renderShardSize ?? 25),
    };

    // Intake: public URL (the webhook signature is the auth), bounded concurrency, 30 s.
    this.intake = this.#function('Intake', {
      name: 'webhook-intake',
      timeout: Duration.seconds(30),
      memorySize: memory.intake ?? 512,
      reservedConcurrentExecutions: props.intakeConcurrency ?? 10,
      environment: {
        TIDELINE_BUS_NAME: this.bus.eventBusName,
        TIDELINE_DELIVERIES_TABLE: this.deliveriesTable.tableName,
        TIDELINE_SECRETS_PREFIX: this.#secretsPrefix,
        TIDELINE_RECEIVERS_FILE: '/var/task/receivers.yaml',
        TIDELINE_ARTIFACT_BUCKET: this.bucket.bucketName,
      },
      copy: [{ from: path.resolve(props.receiversFile), to: 'receivers.yaml' }],
    });
    this.#grantPublish(this.intake);
    this.#grantTtlTable(this.intake, this.deliveriesTable);
    this.#grantSecrets(this.intake, [this.#secretsPrefix]);
    this.#denyClusterRecords(this.intake);
    this.#grantObjects(this.intake, [SNAPSHOT], []);
    this.webhookUrl = this.intake.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    // Source and render keep the Git cache in their ephemeral storage.
    const gitCache = props.gitCacheSize ?? Size.gibibytes(2);
    const withGitCache = (name: FunctionName, timeout: Duration, memorySize: number) => ({ name, timeout, memorySize, ephemeralStorageSize: gitCache });
    this.source = this.addPipelineFunction('Source', withGitCache('source', Duration.minutes(5), memory.source ?? 1024), {
      publish: true,
      status: 'write',
      readObjects: [SNAPSHOT],
      secrets: true,
    });
    this.#ruleToFunction('SourceRule', ['GitPushReceived', 'ReconcileRequested'], this.source);
    this.addSchedule('SourceSchedule', this.source, props.scheduleRate ?? Duration.minutes(1), 'Tideline: sources and Kustomizations whose interval passed');

    this.render = this.addPipelineFunction('Render', withGitCache('render', Duration.minutes(10), memory.render ?? 2048), {
      publish: true,
      status: 'write',
      readObjects: [SNAPSHOT, BUNDLES],
      writeObjects: [SNAPSHOT, BUNDLES],
      secrets: true,
      clusters: true,
      sops: true,
    });
    this.#ruleToFunction('RenderRule', ['SourceChanged', 'RenderRequested', 'ReconcileRequested'], this.render);

    // Apply: rule → standard queue → pipe (group and dedup id from the event) → FIFO queue → apply.
    const applyTimeout = Duration.minutes(5);
    this.apply = this.addPipelineFunction(
      'Apply',
      { name: 'apply', timeout: applyTimeout, memorySize: memory.apply ?? 1024 },
      { publish: true, status: 'write', readObjects: [SNAPSHOT, BUNDLES], secrets: true, clusters: true },
    );
    const applyDlq = this.#deadLetterQueue('ApplyDlq', true);
    this.applyQueue = new sqs.Queue(this, 'ApplyQueue', {
      fifo: true,
      // Deduplication on the event id the pipe passes; ordering and throughput per message group.
      contentBasedDeduplication: false,
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(applyTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: applyDlq, maxReceiveCount: 5 },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const renderedDlq = this.#deadLetterQueue('RenderedDlq');
    const rendered = new sqs.Queue(this, 'RenderedQueue', {
      visibilityTimeout: Duration.seconds(60),
      deadLetterQueue: { queue: renderedDlq, maxReceiveCount: 5 },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    new events.Rule(this, 'ApplyRule', {
      eventBus: this.bus,
      eventPattern: toCdkPattern(patternFor('ManifestsRendered')),
      targets: [new targets.SqsQueue(rendered, { deadLetterQueue: this.#eventsDlq })],
    });
    const pipeRole = new iam.Role(this, 'ApplyPipeRole', { assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com') });
    rendered.grantConsumeMessages(pipeRole);
    this.applyQueue.grantSendMessages(pipeRole);
    new pipes.CfnPipe(this, 'ApplyPipe', {
      description: 'ManifestsRendered into the apply FIFO queue, grouped per cluster and Kustomization',
      roleArn: pipeRole.roleArn,
      source: rendered.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 10 } },
      target: this.applyQueue.queueArn,
      targetParameters: {
        inputTemplate: '<$.body>',
        sqsQueueParameters: { messageGroupId: '$.body.detail.group', messageDeduplicationId: '$.body.detail.eventId' },
      },
    }).node.addDependency(pipeRole.node.findChild('DefaultPolicy'));
    this.apply.function.addEventSource(new SqsEventSource(this.applyQueue, { batchSize: 10, reportBatchItemFailures: true }));

    // Drift: the schedule starts a sweep, which fans out in DriftCheckRequested shards back to the function.
    this.drift = this.addPipelineFunction(
      'Drift',
      {
        name: 'drift',
        timeout: Duration.minutes(5),
        memorySize: memory.drift ?? 512,
        environment: {
          TIDELINE_DRIFT_SHARD_SIZE: String(this.sweep.shardSize),
          TIDELINE_DRIFT_CONCURRENCY: String(this.sweep.concurrency),
          TIDELINE_DRIFT_CLUSTER_DEADLINE_MS: String(this.sweep.clusterDeadline.toMilliseconds()),
        },
      },
      { publish: true, status: 'write', readObjects: [SNAPSHOT, BUNDLES], clusters: true },
    );
    this.#ruleToFunction('DriftRule', ['DriftCheckRequested'], this.drift);
    this.addSchedule('DriftSchedule', this.drift, this.sweep.rate, 'Tideline: drift sweep of every registered cluster');

    // Alerts: every alertable event through a queue (partial batch failures, a DLQ).
    const alertsTimeout = Duration.seconds(120); // ~4 provider timeouts plus backoff
    this.alerts = this.#function('Alerts', {
      name: 'alerts',
      timeout: alertsTimeout,
      memorySize: memory.alerts ?? 512,
      environment: {
        TIDELINE_ALERTS_CONFIG_DIR: '/var/task/alerts-config',
        TIDELINE_DEDUP_TABLE: this.dedupTable.tableName,
        TIDELINE_SECRETS_PREFIX: this.#secretsPrefix,
        TIDELINE_ARTIFACT_BUCKET: this.bucket.bucketName,
      },
      copy: [{ from: path.resolve(props.alertsConfigDir), to: 'alerts-config' }],
    });
    this.#grantTtlTable(this.alerts, this.dedupTable);
    this.providerSecrets = (props.providerSecrets ?? []).map((name, index) => {
      if (!/^[a-z0-9-]+\/[A-Za-z0-9._-]+$/.test(name))
        throw new Error(`Tideline props.providerSecrets[${index}]: ${JSON.stringify(name)} is not <namespace>/<name>`);
      const secret = new secretsmanager.Secret(this, `ProviderSecret${index}`, {
        secretName: `${this.#secretsPrefix}${name}`,
        description: `Tideline alert Provider secret ${name}: set its value (JSON with address and/or token)`,
        removalPolicy,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'a Provider token (Slack bot, webhook URL) is issued and rotated by the provider, not by a rotation Lambda',
      });
      return secret;
    });
    if (this.providerSecrets.length > 0)
      this.alerts.allow(
        ['secretsmanager:GetSecretValue'],
        this.providerSecrets.map((secret) => secret.secretArn),
      );
    else this.#grantSecrets(this.alerts, [this.#secretsPrefix]);
    this.#denyClusterRecords(this.alerts);
    this.#grantObjects(this.alerts, [SNAPSHOT], []);
    const alertsDlq = this.#deadLetterQueue('AlertsDlq');
    const alertsQueue = new sqs.Queue(this, 'AlertsQueue', {
      visibilityTimeout: Duration.seconds(alertsTimeout.toSeconds() * 6),
      // Final errors (invalid_blocks, channel_not_found) fail the record too: keep redeliveries few.
      deadLetterQueue: { queue: alertsDlq, maxReceiveCount: 3 },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    new events.Rule(this, 'AlertsRule', {
      eventBus: this.bus,
      eventPattern: toCdkPattern(patternFor(...ALERTABLE_TYPES)),
      targets: [new targets.SqsQueue(alertsQueue, { deadLetterQueue: this.#eventsDlq })],
    });
    this.alerts.function.addEventSource(new SqsEventSource(alertsQueue, { batchSize: 10, reportBatchItemFailures: true }));

    // A tick that takes most of its timeout is about to pile up behind the next one.
    this.#alarm(
      'SourceTickDuration',
      this.source.function.metricDuration({ statistic: 'Maximum', period: Duration.minutes(5) }),
      Duration.minutes(4).toMilliseconds(),
      'the source schedule tick ran for more than 4 minutes',
    );
    this.dashboard = this.#dashboard();
  }

  /**
   * Adds a pipeline function (the shared pipeline environment, a Lambda async DLQ and error and
   * throttle alarms) with exactly the access listed. Source, render and apply are built with it;
   * the drift sweep is added the same way.
   */
  addPipelineFunction(
    id: string,
    props: Omit<TidelineFunctionProps, 'environment' | 'logRetention'> & { environment?: Record<string, string> },
    access: PipelineAccess,
  ): TidelineFunction {
    // Asynchronous invocations (rules, the schedule) that still fail after Lambda's retries.
    const deadLetterQueue = this.#deadLetterQueue(`${id}InvokeDlq`);
    const fn = this.#function(id, { ...props, deadLetterQueue, environment: { ...this.pipelineEnvironment, ...props.environment } });
    fn.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1) });
    if (access.publish) this.#grantPublish(fn);
    if (access.status) {
      fn.allow(
        access.status === 'write'
          ? ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem']
          : ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
        [this.statusTable.tableArn],
      );
    }
    this.#grantObjects(fn, access.readObjects ?? [], access.writeObjects ?? []);
    if (access.secrets || access.clusters) this.#grantSecrets(fn, [this.#secretsPrefix]);
    if (access.clusters) {
      fn.allow(
        ['secretsmanager:DescribeSecret'],
        [secretArnsUnder(this, `${this.#secretsPrefix}clusters/`)],
        'cluster records are registered at run time under the prefix; the ARN ends in a random suffix',
      );
      fn.allow(
        ['eks:DescribeCluster'],
        [Stack.of(this).formatArn({ service: 'eks', resource: 'cluster', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
        'clusters are registered at run time (a secret each), not at deploy; DescribeCluster only reads the endpoint and CA of a cluster of this account and region',
      );
      if (this.#props.clusterRoleArns?.length) fn.allow(['sts:AssumeRole'], this.#props.clusterRoleArns);
    }
    if (access.sops && this.#props.sopsKeyArns?.length) fn.allow(['kms:Decrypt'], this.#props.sopsKeyArns);
    return fn;
  }

  /**
   * Invokes `fn` at `rate` through EventBridge Scheduler with a `Scheduled Event` input (the source
   * tick; the drift sweep's fan-out is scheduled the same way at {@link sweep}'s rate). A missed
   * tick is not retried: the next one does the same work.
   */
  addSchedule(id: string, fn: TidelineFunction, rate: Duration, description: string): scheduler.Schedule {
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    acknowledgeWildcard(role, `${fn.function.functionArn}:*`, `CDK grants invoke on the function and its versions; only ${fn.serviceName}`);
    return new scheduler.Schedule(this, id, {
      description,
      schedule: scheduler.ScheduleExpression.rate(rate),
      target: new schedulerTargets.LambdaInvoke(fn.function, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler' }),
        deadLetterQueue: this.#eventsDlq,
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
  }

  #function(id: string, props: Omit<TidelineFunctionProps, 'logRetention'>): TidelineFunction {
    const fn = new TidelineFunction(this, id, { ...props, logRetention: this.#props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.#functions.push(fn);
    this.#alarm(`${id}Errors`, fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 1, `${fn.serviceName} failed`);
    this.#alarm(`${id}Throttles`, fn.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), 1, `${fn.serviceName} was throttled`);
    return fn;
  }

  #ruleToFunction(id: string, types: DetailType[], fn: TidelineFunction): void {
    new events.Rule(this, id, {
      eventBus: this.bus,
      eventPattern: toCdkPattern(patternFor(...types)),
      targets: [new targets.LambdaFunction(fn.function, { deadLetterQueue: this.#eventsDlq, retryAttempts: 4, maxEventAge: Duration.hours(1) })],
    });
  }

  #deadLetterQueue(id: string, fifo = false): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      ...(fifo ? { fifo: true } : {}),
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.deadLetterQueues.push(queue);
    this.#alarm(
      `${id}Depth`,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      1,
      `${id} holds messages that could not be processed`,
    );
    return queue;
  }

  #table(id: string, removalPolicy: RemovalPolicy, sortKey?: string): dynamodb.TableV2 {
    return new dynamodb.TableV2(this, id, {
      partitionKey: { name: STATUS_TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      ...(sortKey ? { sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING } } : {}),
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
  }

  #grantPublish(fn: TidelineFunction): void {
    fn.allow(['events:PutEvents'], [this.bus.eventBusArn]);
  }

  #grantTtlTable(fn: TidelineFunction, table: dynamodb.TableV2): void {
    fn.allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [table.tableArn]);
  }

  #grantSecrets(fn: TidelineFunction, prefixes: string[]): void {
    fn.allow(
      ['secretsmanager:GetSecretValue'],
      prefixes.map((prefix) => secretArnsUnder(this, prefix)),
      'secrets are named at run time by the fleet (secretRef, cluster records) under the configured prefixes; the ARN ends in a random suffix',
    );
  }

  /** Cluster records hold kubeconfigs: a function that reaches no cluster is denied them even under its prefix. */
  #denyClusterRecords(fn: TidelineFunction): void {
    fn.role.addToPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnsUnder(this, `${this.#secretsPrefix}clusters/`)],
      }),
    );
  }

  #grantObjects(fn: TidelineFunction, read: string[], write: string[]): void {
    if (read.length === 0 && write.length === 0) return;
    const reason = 'bundles are content-addressed objects under bundles/ (their digests are known only at run time)';
    if (read.length > 0)
      fn.allow(
        ['s3:GetObject'],
        read.map((key) => this.bucket.arnForObjects(key)),
        reason,
      );
    if (write.length > 0)
      fn.allow(
        ['s3:PutObject'],
        write.map((key) => this.bucket.arnForObjects(key)),
        reason,
      );
    // Without ListBucket, S3 answers a missing key with 403 instead of 404 (the first snapshot, a new bundle).
    fn.allow(['s3:ListBucket'], [this.bucket.bucketArn]);
  }

  #alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): void {
    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Tideline: ${description}`,
    });
    if (this.#props.alarmTopic) alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.#props.alarmTopic));
    this.#alarms.push(alarm);
  }

  #dashboard(): cloudwatch.Dashboard {
    const fns = this.#functions.map((fn) => fn.function);
    const series = (label: string, metric: (fn: lambda.Function) => cloudwatch.IMetric): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({ title: label, left: fns.map(metric), width: 8 });
    return new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          series('Invocations', (fn) => fn.metricInvocations({ period: Duration.minutes(5) })),
          series('Errors', (fn) => fn.metricErrors({ period: Duration.minutes(5) })),
          series('Duration p95', (fn) => fn.metricDuration({ period: Duration.minutes(5), statistic: 'p95' })),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues',
            left: this.deadLetterQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) })),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Apply queue',
            left: [this.applyQueue.metricApproximateNumberOfMessagesVisible(), this.applyQueue.metricApproximateAgeOfOldestMessage()],
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.#alarms, width: 24 })],
      ],
    });
  }
}

/** The catalog's pattern in CDK's shape (`detail-type` → `detailType`). */
export function toCdkPattern(pattern: ReturnType<typeof patternFor>): events.EventPattern {
  return { source: pattern.source, detailType: pattern['detail-type'], ...(pattern.detail ? { detail: pattern.detail } : {}) };
}

// The synthesized Tideline stack "deployed" onto moto: every bus, bucket, table and queue of the
// template created in moto, every rule put on the bus with the template's own pattern and targets,
// and every function started from its esbuild bundle in a fresh Node 24 process with the
// template's environment (references resolved to the moto resources). What moto does not run —
// Lambda invocations (async ones from rules, SQS event source mappings) and the EventBridge pipe —
// is done here from the template's own settings, so a wrong pattern, path or variable shows.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { MotoConnection } from '#test/env/index.ts';
import { lambdaRunnerScript } from './runner-script.ts';
import type { CloudFormationTemplate } from './synth.ts';

type Properties = Record<string, unknown>;
type Ref = { Ref?: string; 'Fn::GetAtt'?: [string, string] };

/** One function's container: its bundle imported once in its own process, invoked like Lambda. */
export class FunctionContainer {
  readonly logicalId: string;
  readonly log: string[] = [];
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #next = 0;
  readonly ready: Promise<number>;

  constructor(logicalId: string, bundleDir: string, handler: string, timeout: number, env: Record<string, string>) {
    this.logicalId = logicalId;
    this.#child = fork(lambdaRunnerScript(), [bundleDir, handler, logicalId, String(timeout)], {
      cwd: bundleDir,
      env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) stream?.on('data', (chunk: Buffer) => this.log.push(chunk.toString('utf8')));
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`${logicalId}: container exited (${code}) during init\n${this.log.join('')}`)));
      this.#child.on('message', (message: { ready?: boolean; initMs?: number; error?: string; id?: number; result?: unknown }) => {
        if (message.ready === true) resolve(message.initMs ?? 0);
        else if (message.ready === false) reject(new Error(`${logicalId}: init failed: ${message.error}\n${this.log.join('')}`));
        else if (message.id !== undefined) {
          const waiting = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          if (message.error !== undefined) waiting?.reject(new Error(`${logicalId}: ${message.error}`));
          else waiting?.resolve(message.result);
        }
      });
    });
  }

  /** Invokes the handler with `event`; rejects with the handler's error. */
  async invoke(event: unknown): Promise<unknown> {
    await this.ready;
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ id, event });
    });
  }

  stop(): void {
    this.#child.removeAllListeners('exit');
    this.#child.kill('SIGKILL');
  }
}

interface QueueInfo {
  url: string;
  arn: string;
}

/** What takes messages off a queue: a function invoked asynchronously (a rule's target), an event source mapping, or the pipe. */
type Consumer =
  | { kind: 'async'; queue: string; fn: string }
  | { kind: 'esm'; queue: string; fn: string; batchSize: number }
  | { kind: 'pipe'; queue: string; target: string; inputTemplate: string; groupPath: string; dedupPath: string };

export interface DeliveredFifoMessage {
  queue: string;
  groupId: string;
  deduplicationId: string;
  detailType: string;
}

/** The stack on moto, with its functions running. */
export class DeployedStack {
  readonly names = new Map<string, string>();
  readonly queues = new Map<string, QueueInfo>();
  readonly functions = new Map<string, FunctionContainer>();
  readonly #consumers: Consumer[] = [];
  readonly #sqs: SQSClient;
  readonly #tmp: string;
  /** Every message a mapped queue handed to its function, with the event's detail-type. */
  readonly deliveries: { queue: string; fn: string; detailType: string }[] = [];
  /** Every message taken from a FIFO queue, with its group and deduplication id. */
  readonly fifoDeliveries: DeliveredFifoMessage[] = [];
  /** Invocation errors (Lambda would retry them and then dead-letter them). */
  readonly failures: string[] = [];

  private constructor(sqs: SQSClient, tmp: string) {
    this.#sqs = sqs;
    this.#tmp = tmp;
  }

  /** Creates the template's resources in moto and starts every function from its bundle in `assemblyDir`. */
  static async deploy(
    template: CloudFormationTemplate,
    assemblyDir: string,
    moto: MotoConnection,
    extraEnv: Record<string, string> = {},
  ): Promise<DeployedStack> {
    const aws = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
    const stack = new DeployedStack(new SQSClient(aws), mkdtempSync(path.join(tmpdir(), 'tideline-deployed-')));
    const suffix = randomBytes(3).toString('hex');
    const events = new EventBridgeClient(aws);
    const dynamodb = new DynamoDBClient(aws);
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    const resources = Object.entries(template.Resources);
    const ofType = (type: string): [string, Properties][] =>
      resources.filter(([, resource]) => resource.Type === type).map(([id, resource]) => [id, resource.Properties ?? {}]);

    for (const [id] of ofType('AWS::Events::EventBus')) {
      const name = `tideline-${suffix}`;
      await events.send(new CreateEventBusCommand({ Name: name }));
      stack.names.set(id, name);
    }
    for (const [id] of ofType('AWS::S3::Bucket')) {
      const name = `tideline-${id.toLowerCase().slice(0, 30)}-${suffix}`;
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      stack.names.set(id, name);
    }
    for (const [id, properties] of ofType('AWS::DynamoDB::GlobalTable')) {
      const name = `${id}-${suffix}`;
      await dynamodb.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: properties['KeySchema'] as KeySchemaElement[],
          AttributeDefinitions: properties['AttributeDefinitions'] as AttributeDefinition[],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      stack.names.set(id, name);
    }
    const createQueue = async (id: string, attributes: Record<string, string>): Promise<void> => {
      const name = `${id.slice(0, 50)}-${suffix}${attributes['FifoQueue'] === 'true' ? '.fifo' : ''}`;
      const { QueueUrl: url } = await stack.#sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      const { Attributes: created } = await stack.#sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      stack.queues.set(id, { url: url as string, arn: created?.['QueueArn'] as string });
      stack.names.set(id, name);
    };
    for (const [id, properties] of ofType('AWS::SQS::Queue')) {
      const attributes: Record<string, string> = {};
      for (const key of ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'])
        if (properties[key] !== undefined) attributes[key] = String(properties[key]);
      await createQueue(id, attributes);
    }
    // Lambda's asynchronous invocations (a rule's target) have no moto counterpart: each function gets an inbox queue.
    const functions = ofType('AWS::Lambda::Function');
    for (const [id] of functions) await createQueue(`inbox-${id}`, {});

    const resolve = (value: unknown, where: string): string => {
      if (typeof value === 'string') return value;
      const ref = value as Ref;
      if (ref.Ref && stack.names.has(ref.Ref)) return stack.names.get(ref.Ref) as string;
      if (ref['Fn::GetAtt']?.[1] === 'Arn') {
        const [target] = ref['Fn::GetAtt'];
        if (stack.queues.has(target)) return stack.queues.get(target)!.arn;
        if (stack.queues.has(`inbox-${target}`)) return stack.queues.get(`inbox-${target}`)!.arn;
      }
      throw new Error(`${where}: cannot resolve ${JSON.stringify(value)} to a deployed resource`);
    };
    const logicalIdOf = (value: unknown): string => {
      const ref = value as Ref;
      return ref.Ref ?? ref['Fn::GetAtt']?.[0] ?? JSON.stringify(value);
    };

    for (const [id, properties] of ofType('AWS::Events::Rule')) {
      const name = `${id.slice(0, 40)}-${suffix}`;
      const busName = resolve(properties['EventBusName'], id);
      await events.send(new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: JSON.stringify(properties['EventPattern']) }));
      const targets = (properties['Targets'] as { Id: string; Arn: unknown; SqsParameters?: { MessageGroupId: string } }[]).map((target) => {
        const targetId = logicalIdOf(target.Arn);
        const isFunction = functions.some(([fnId]) => fnId === targetId);
        stack.#consumers.push(
          isFunction ? { kind: 'async', queue: `inbox-${targetId}`, fn: targetId } : { kind: 'esm', queue: targetId, fn: '', batchSize: 0 },
        );
        return { Id: target.Id, Arn: resolve(target.Arn, id), ...(target.SqsParameters ? { SqsParameters: target.SqsParameters } : {}) };
      });
      await events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: targets }));
    }
    // Queues read by a function (event source mapping) or by the pipe replace the placeholders above.
    stack.#consumers.splice(0, stack.#consumers.length, ...stack.#consumers.filter((consumer) => consumer.kind === 'async'));
    for (const [, properties] of ofType('AWS::Lambda::EventSourceMapping')) {
      stack.#consumers.push({
        kind: 'esm',
        queue: logicalIdOf(properties['EventSourceArn']),
        fn: logicalIdOf(properties['FunctionName']),
        batchSize: Number(properties['BatchSize'] ?? 10),
      });
    }
    for (const [id, properties] of ofType('AWS::Pipes::Pipe')) {
      const target = properties['TargetParameters'] as {
        InputTemplate?: string;
        SqsQueueParameters?: { MessageGroupId?: string; MessageDeduplicationId?: string };
      };
      if (!target.SqsQueueParameters?.MessageGroupId || !target.SqsQueueParameters.MessageDeduplicationId)
        throw new Error(`${id}: a pipe into a FIFO queue needs a message group and deduplication id`);
      stack.#consumers.push({
        kind: 'pipe',
        queue: logicalIdOf(properties['Source']),
        target: logicalIdOf(properties['Target']),
        inputTemplate: target.InputTemplate ?? '',
        groupPath: target.SqsQueueParameters.MessageGroupId,
        dedupPath: target.SqsQueueParameters.MessageDeduplicationId,
      });
    }

    for (const [id, properties] of functions) {
      const code = (properties['Code'] as { S3Key: string }).S3Key;
      const bundleDir = path.join(assemblyDir, `asset.${code.replace(/\.zip$/, '')}`);
      const functionTmp = mkdtempSync(path.join(stack.#tmp, `${id}-`));
      const env: Record<string, string> = {
        PATH: process.env['PATH'] ?? '',
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: moto.region,
        AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
        AWS_LAMBDA_FUNCTION_NAME: id,
        LAMBDA_TASK_ROOT: bundleDir,
        TMPDIR: functionTmp,
        ...extraEnv,
      };
      const variables = (properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      for (const [key, value] of Object.entries(variables)) {
        // What the function sees at /var/task is its bundle; its /tmp is its own.
        env[key] = resolve(value, `${id} ${key}`).replace(/^\/(var\/task|tmp)(?=\/|$)/, (_match, root: string) => (root === 'tmp' ? functionTmp : bundleDir));
      }
      stack.functions.set(id, new FunctionContainer(id, bundleDir, properties['Handler'] as string, Number(properties['Timeout'] ?? 3), env));
    }
    try {
      await Promise.all([...stack.functions.values()].map((fn) => fn.ready));
    } catch (error) {
      stack.stop();
      throw error;
    }
    return stack;
  }

  /** The running function whose logical id starts with `prefix`. */
  fn(prefix: string): FunctionContainer {
    const found = [...this.functions.values()].filter((fn) => fn.logicalId.startsWith(prefix));
    if (found.length !== 1) throw new Error(`${found.length} functions match ${prefix}`);
    return found[0]!;
  }

  async #receive(queue: string): Promise<Message[]> {
    const info = this.queues.get(queue);
    if (!info) throw new Error(`no deployed queue ${queue}`);
    const { Messages: messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({ QueueUrl: info.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    return messages;
  }

  async #delete(queue: string, message: Message): Promise<void> {
    await this.#sqs.send(new DeleteMessageCommand({ QueueUrl: this.queues.get(queue)!.url, ReceiptHandle: message.ReceiptHandle }));
  }

  /**
   * Moves messages until every consumed queue stays empty (at most `rounds` passes): each rule's
   * function inbox to its function, each pipe's source to its FIFO target, each mapped queue to
   * its function in batches. Returns how many messages moved.
   */
  async settle(rounds = 40): Promise<number> {
    let total = 0;
    for (let round = 0; round < rounds; round++) {
      let moved = 0;
      for (const consumer of this.#consumers) {
        const messages = await this.#receive(consumer.queue);
        moved += messages.length;
        for (const message of messages) {
          if (consumer.kind === 'async') {
            await this.functions
              .get(consumer.fn)!
              .invoke(JSON.parse(message.Body ?? 'null'))
              .catch((error: Error) => this.failures.push(error.message));
            await this.#delete(consumer.queue, message);
          } else if (consumer.kind === 'pipe') {
            await this.#pipe(consumer, message);
            await this.#delete(consumer.queue, message);
          }
        }
        if (consumer.kind === 'esm' && messages.length > 0) await this.#invokeBatch(consumer, messages);
      }
      total += moved;
      if (moved === 0) return total;
    }
    throw new Error(`the deployed stack did not settle in ${rounds} rounds`);
  }

  async #pipe(consumer: Extract<Consumer, { kind: 'pipe' }>, message: Message): Promise<void> {
    // EventBridge Pipes parses an SQS body that is JSON, for paths under $.body.
    const record = { messageId: message.MessageId, body: JSON.parse(message.Body ?? 'null') as unknown };
    if (consumer.inputTemplate !== '<$.body>') throw new Error(`pipe input template ${JSON.stringify(consumer.inputTemplate)} is not emulated`);
    const at = (jsonPath: string): string => {
      if (!jsonPath.startsWith('$.')) return jsonPath; // a static value
      const value = jsonPath
        .slice(2)
        .split('.')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], record);
      if (typeof value !== 'string' || value === '') throw new Error(`pipe: ${jsonPath} is not a string in the message (${message.Body?.slice(0, 200)})`);
      return value;
    };
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queues.get(consumer.target)!.url,
        MessageBody: message.Body,
        MessageGroupId: at(consumer.groupPath),
        MessageDeduplicationId: at(consumer.dedupPath),
      }),
    );
  }

  async #invokeBatch(consumer: Extract<Consumer, { kind: 'esm' }>, messages: Message[]): Promise<void> {
    const arn = this.queues.get(consumer.queue)!.arn;
    for (const message of messages) {
      this.deliveries.push({
        queue: consumer.queue,
        fn: consumer.fn,
        detailType: (JSON.parse(message.Body ?? '{}') as { 'detail-type'?: string })['detail-type'] ?? '',
      });
      if (message.Attributes?.['MessageGroupId']) {
        this.fifoDeliveries.push({
          queue: consumer.queue,
          groupId: message.Attributes['MessageGroupId'],
          deduplicationId: message.Attributes['MessageDeduplicationId'] ?? '',
          detailType: (JSON.parse(message.Body ?? '{}') as { 'detail-type'?: string })['detail-type'] ?? '',
        });
      }
    }
    const records = messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes ?? {},
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: 'us-east-1',
    }));
    for (let start = 0; start < records.length; start += consumer.batchSize) {
      const batch = records.slice(start, start + consumer.batchSize);
      try {
        const result = (await this.functions.get(consumer.fn)!.invoke({ Records: batch })) as { batchItemFailures?: { itemIdentifier: string }[] } | null;
        for (const failure of result?.batchItemFailures ?? []) this.failures.push(`${consumer.fn}: batch item ${failure.itemIdentifier} failed`);
      } catch (error) {
        this.failures.push((error as Error).message);
      }
    }
    // A failure would come back after the visibility timeout; the test fails on it instead of waiting.
    for (const message of messages) await this.#delete(consumer.queue, message);
  }

  /** The last lines each container wrote (for a failing assertion's message). */
  logTail(lines = 15): string {
    return [...this.functions.values()].map((fn) => `--- ${fn.logicalId}\n${fn.log.join('').split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  /** Stops every container and removes their /tmp. */
  stop(): void {
    for (const fn of this.functions.values()) fn.stop();
    rmSync(this.#tmp, { recursive: true, force: true });
  }
}

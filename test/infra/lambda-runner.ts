// A Lambda-like container for one function bundle, run as its own Node 24 process (child_process.fork):
// it imports the bundle once (cold start: module scope runs, the environment is read), then answers
// each `{ id, event }` message from the parent by invoking the handler with a Lambda-shaped context,
// as warm invocations of one container would. Logs go to stdout/stderr as in Lambda; results go back
// over the IPC channel.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleDir, handlerName = 'index.handler', functionName = 'function', timeoutSeconds = '60'] = process.argv.slice(2);
if (!bundleDir) throw new Error('usage: lambda-runner.ts <bundle dir> [file.export] [function name] [timeout s]');
const [file, exportName] = handlerName.split('.') as [string, string];

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let handler: Handler;
try {
  const started = performance.now();
  const module = (await import(pathToFileURL(path.join(bundleDir, `${file}.mjs`)).href)) as Record<string, unknown>;
  if (typeof module[exportName] !== 'function') throw new Error(`${bundleDir}/${file}.mjs exports no function ${exportName}`);
  handler = module[exportName] as Handler;
  process.send?.({ ready: true, initMs: performance.now() - started });
} catch (error) {
  process.send?.({ ready: false, error: (error as Error).stack ?? String(error) });
  process.exit(1);
}

process.on('message', (message: { id: number; event: unknown }) => {
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  const context = {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  handler(message.event, context).then(
    (result) => process.send?.({ id: message.id, result: result ?? null }),
    (error: unknown) => process.send?.({ id: message.id, error: (error as Error).stack ?? String(error) }),
  );
});

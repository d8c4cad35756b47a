// functions/commons: each invocation's log lines carry the Lambda context and the function's
// service name; the handlers stay thin.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Context } from 'aws-lambda';
import { instrument, observability, SERVICE_NAMES } from '#functions/commons/index.ts';

const context: Context = {
  awsRequestId: 'req-42',
  functionName: 'tideline-apply',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:tideline-apply',
  memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/tideline-apply',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 1000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/** Runs `act` and returns the JSON log lines it wrote to stdout. */
async function capture(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await act();
  } finally {
    process.stdout.write = write;
  }
  return lines.flatMap((line) => line.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a log line of an instrumented invocation carries the service name, the request id and the function name', async () => {
  // Prepare
  const tools = observability('apply');
  const handler = instrument(tools, async (event: { n: number }) => {
    tools.logger.info('handled', { n: event.n });
    return event.n + 1;
  });
  // Act
  let result: number | undefined;
  const lines = await capture(async () => {
    result = await handler({ n: 1 }, context);
  });
  // Assess
  assert.equal(result, 2);
  const line = lines.find((entry) => entry['message'] === 'handled');
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line['service'], SERVICE_NAMES.apply);
  assert.equal(line['function_request_id'], 'req-42');
  assert.equal(line['function_name'], 'tideline-apply');
});

test('keys appended in one invocation do not leak into the next', async () => {
  // Prepare
  const tools = observability('render');
  const handler = instrument(tools, async (event: { id?: string }) => {
    if (event.id) tools.logger.appendKeys({ correlation_id: event.id });
    tools.logger.info('step');
  });
  // Act
  const lines = await capture(async () => {
    await handler({ id: 'c-1' }, context);
    await handler({}, context);
  });
  // Assess
  const steps = lines.filter((entry) => entry['message'] === 'step');
  assert.equal(steps[0]?.['correlation_id'], 'c-1');
  assert.equal(steps[1]?.['correlation_id'], undefined);
});

test('every handler stays at most 40 code lines and takes its tools from functions/commons', () => {
  for (const name of readdirSync('functions').filter((entry) => entry !== 'commons')) {
    const source = readFileSync(path.join('functions', name, 'handler.ts'), 'utf8');
    const code = source.split('\n').filter((line) => line.trim() !== '' && !/^\s*(\/\/|\/\*\*|\*)/.test(line));
    assert.ok(code.length <= 40, `functions/${name}/handler.ts has ${code.length} code lines`);
    assert.match(source, new RegExp(`observability\\('${name}'\\)`), `functions/${name} uses observability('${name}')`);
    assert.ok(!source.includes("from '@aws-lambda-powertools/logger'"), `functions/${name} makes no Logger of its own`);
  }
});

// functions/commons: each invocation's log lines carry the Lambda context and the function's
// service name; the handlers stay thin.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Context } from 'aws-lambda';
import { eventCorrelationId, instrument, observability, SERVICE_NAMES } from '#functions/commons/index.ts';

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

/** Runs `act` and returns the JSON log lines it wrote to stdout and stderr (Powertools writes warnings and errors there). */
async function capture(act: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof stream.write;
  }
  try {
    await act();
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index] as typeof stream.write));
  }
  return lines
    .flatMap((line) => line.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a log line of an instrumented invocation carries the service name, the request id and the function name', async () => {
  // Prepare
  const tools = observability('apply', {});
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
  const tools = observability('render', {});
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

test("the deployment's POWERTOOLS_SERVICE_NAME wins over the code's name, and a differing one is logged", async () => {
  // Act: tools built where infra configured another name.
  let tools: ReturnType<typeof observability> | undefined;
  const lines = await capture(async () => {
    tools = observability('alerts', { POWERTOOLS_SERVICE_NAME: 'alerts' });
    tools.logger.info('handled');
  });
  // Assess
  assert.equal(tools?.serviceName, 'alerts');
  assert.equal(lines.find((entry) => entry['message'] === 'handled')?.['service'], 'alerts');
  const warning = lines.find((entry) => entry['level'] === 'WARN' && /POWERTOOLS_SERVICE_NAME differs/.test(String(entry['message'])));
  assert.deepEqual([warning?.['function'], warning?.['expected']], ['alerts', SERVICE_NAMES.alerts]);
});

test('with the name infra sets, the tools use it and warn about nothing', async () => {
  // Act
  const lines = await capture(async () => {
    observability('source', { POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.source }).logger.info('handled');
  });
  // Assess
  assert.deepEqual(
    lines.map((entry) => [entry['level'], entry['service']]),
    [['INFO', SERVICE_NAMES.source]],
  );
});

test('the correlation id read from the event is on every log line of its invocation only', async () => {
  // Prepare
  const tools = observability('render', {});
  const handler = instrument(tools, async () => tools.logger.info('step'), { correlationId: eventCorrelationId });
  // Act
  const lines = await capture(async () => {
    await handler({ 'detail-type': 'SourceChanged', detail: { correlationId: 'delivery-1' } }, context);
    await handler({ 'detail-type': 'Scheduled Event', detail: {} }, context);
  });
  // Assess
  assert.deepEqual(
    lines.filter((entry) => entry['message'] === 'step').map((entry) => entry['correlation_id']),
    ['delivery-1', undefined],
  );
});

test('every handler stays at most 40 code lines and takes its tools from functions/commons', () => {
  for (const name of readdirSync('functions').filter((entry) => entry !== 'commons')) {
    // Act
    const source = readFileSync(path.join('functions', name, 'handler.ts'), 'utf8');
    const code = source.split('\n').filter((line) => line.trim() !== '' && !/^\s*(\/\/|\/\*\*|\*)/.test(line));
    // Assess
    assert.ok(code.length <= 40, `functions/${name}/handler.ts has ${code.length} code lines`);
    assert.match(source, new RegExp(`observability\\('${name}'\\)`), `functions/${name} uses observability('${name}')`);
    assert.ok(!source.includes("from '@aws-lambda-powertools/logger'"), `functions/${name} makes no Logger of its own`);
  }
});

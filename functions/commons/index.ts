/**
 * Observability of a Tideline function, the Powertools way: one Logger, one Metrics and one Tracer
 * per container, configured here once with the function's service name, and a wrapper that gives
 * each invocation the Lambda context (request id, function name, cold start) in its logs, a
 * cold-start metric and annotation, and flushes the metrics when the invocation ends.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE, SERVICE_NAMES, type FunctionName } from './services.ts';
import { installSourceMappedStacks } from './stack-traces.ts';

export { SERVICE_NAMES, type FunctionName } from './services.ts';

/** The tools of one function. */
export interface Observability {
  readonly serviceName: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** Wraps an SDK v3 client so each call is a subsegment of the invocation's trace (a no-op when tracing is off). */
  traced<T>(client: T): T;
}

/**
 * Builds the tools of `name` (call once, at module scope). The service name is the deployment's
 * `POWERTOOLS_SERVICE_NAME` when it sets one, else the function's name in {@link SERVICE_NAMES}:
 * the code never overrides what the infra configured, and a deployment whose name differs from
 * the one infra normally sets says so in its first log line.
 */
export function observability(name: FunctionName, env: Readonly<Record<string, string | undefined>> = process.env): Observability {
  // In a bundle this module's URL is the bundle's: its stacks are mapped to the TypeScript source.
  installSourceMappedStacks(import.meta.url);
  const configured = env['POWERTOOLS_SERVICE_NAME']?.trim();
  const serviceName = configured || SERVICE_NAMES[name];
  const tracer = new Tracer({ serviceName });
  const logger = new Logger({ serviceName });
  if (configured && configured !== SERVICE_NAMES[name]) {
    logger.warn('POWERTOOLS_SERVICE_NAME differs from the name infra gives this function', { function: name, expected: SERVICE_NAMES[name] });
  }
  return {
    serviceName,
    logger,
    metrics: new Metrics({ serviceName, namespace: METRICS_NAMESPACE }),
    tracer,
    traced: (client) => tracer.captureAWSv3Client(client),
  };
}

/** The catalog correlation id of an EventBridge event (`detail.correlationId`), read before the event is validated. */
export function eventCorrelationId(input: unknown): string | undefined {
  const id = (input as { detail?: { correlationId?: unknown } } | null)?.detail?.correlationId;
  return typeof id === 'string' ? id : undefined;
}

/** How {@link instrument} reads an invocation's correlation id from its event. */
export interface InstrumentOptions<E> {
  /** The id that ties this invocation's log lines to the Git delivery (or request) it serves; undefined when it has none. */
  correlationId?: (event: E) => string | undefined;
}

/**
 * A Lambda handler around `handle`: the context goes into every log line of the invocation
 * (request id, function name, cold start), and so does the event's correlation id; the first
 * invocation of a container records a cold start, and stored metrics are flushed at the end (also
 * when `handle` throws).
 */
export function instrument<E, R>(
  tools: Observability,
  handle: (event: E, context: Context | undefined) => Promise<R>,
  options: InstrumentOptions<E> = {},
): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    tools.logger.resetKeys();
    if (context) tools.logger.addContext(context);
    const correlationId = options.correlationId?.(event);
    if (correlationId !== undefined) tools.logger.setCorrelationId(correlationId);
    tools.metrics.captureColdStartMetric();
    tools.tracer.annotateColdStart();
    tools.tracer.addServiceNameAnnotation();
    try {
      return await handle(event, context);
    } finally {
      if (tools.metrics.hasStoredMetrics()) tools.metrics.publishStoredMetrics();
    }
  };
}

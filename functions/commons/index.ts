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

/** Builds the tools of `name` (call once, at module scope). */
export function observability(name: FunctionName): Observability {
  const serviceName = SERVICE_NAMES[name];
  const tracer = new Tracer({ serviceName });
  return {
    serviceName,
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: METRICS_NAMESPACE }),
    tracer,
    traced: (client) => tracer.captureAWSv3Client(client),
  };
}

/**
 * A Lambda handler around `handle`: the context goes into every log line of the invocation, the
 * first invocation of a container records a cold start, and stored metrics are flushed at the end
 * (also when `handle` throws).
 */
export function instrument<E, R>(tools: Observability, handle: (event: E, context: Context | undefined) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  return async (event, context) => {
    tools.logger.resetKeys();
    if (context) tools.logger.addContext(context);
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

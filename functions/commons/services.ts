/**
 * The Powertools service name of each function: what its logs, metrics and traces are tagged with.
 * The handlers configure their tools with it and infra sets `POWERTOOLS_SERVICE_NAME` from it, so
 * the two can never disagree.
 */
export const SERVICE_NAMES = {
  'webhook-intake': 'tideline-webhook-intake',
  source: 'tideline-source',
  render: 'tideline-render',
  apply: 'tideline-apply',
  alerts: 'tideline-alerts',
  drift: 'tideline-drift',
} as const;

/** A function directory under `functions/`. */
export type FunctionName = keyof typeof SERVICE_NAMES;

/** The CloudWatch namespace of every function's metrics. */
export const METRICS_NAMESPACE = 'Tideline';

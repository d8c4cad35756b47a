/**
 * Sample catalog events (shared with the docs generator) and a manual clock for the alerts tests.
 */
import type { Clock } from '#shared/ports/index.ts';

export { changeSet, REVISION, sampleEvents, SHA } from '#shared/alerts/samples.ts';

/** A clock tests drive by hand: `sleep` advances time at once and is recorded. */
export class ManualClock implements Clock {
  time: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse('2026-03-14T09:27:00Z')) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}

/** A Flux Alert document in flux-system sending to Provider `provider`, with optional spec lines (e.g. `eventSeverity: error`) before its event sources. */
export function alertYaml(name: string, provider: string, options: { source?: string; before?: readonly string[]; after?: readonly string[] } = {}): string {
  return [
    'apiVersion: notification.toolkit.fluxcd.io/v1beta3',
    'kind: Alert',
    `metadata: { name: ${name}, namespace: flux-system }`,
    'spec:',
    `  providerRef: { name: ${provider} }`,
    ...(options.before ?? []).map((line) => `  ${line}`),
    `  eventSources: [{ kind: Kustomization, name: ${options.source ?? "'*'"} }]`,
    ...(options.after ?? []).map((line) => `  ${line}`),
    '',
  ].join('\n');
}

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

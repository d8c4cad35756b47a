/**
 * Flux durations (`spec.interval`, `timeout`, `retryInterval` …) for every Flux object, in a module
 * of their own: reading one kind's durations does not load another kind's parser (the intake,
 * which reads Receivers, would otherwise load the Kustomization's and its CEL engine).
 */
import * as z from '#shared/zod.ts';

/** Flux duration strings such as `10m`, `1h30m`, `30s`. */
export const DurationSchema = z.string().check(z.regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, 'a duration such as 30s, 5m or 1h'));

/** Converts a Flux/Go duration string to milliseconds. */
export function durationToMs(duration: string): number {
  let total = 0;
  for (const match of duration.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
    const value = Number(match[1]);
    const unit = match[2];
    total += value * (unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000);
  }
  return Math.round(total);
}

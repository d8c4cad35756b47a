// A bus standing for an intake attempt that dies (timeout, crash, OOM) while publishing.
import type { EventBus } from '#shared/ports/index.ts';

/** A bus whose publish never settles; `reached` resolves once publish has been called. */
export function busDyingOnPublish(): { bus: EventBus; reached: Promise<void> } {
  let publishReached!: () => void;
  const reached = new Promise<void>((resolve) => (publishReached = resolve));
  const bus: EventBus = {
    publish: () => {
      publishReached();
      return new Promise(() => {});
    },
  };
  return { bus, reached };
}

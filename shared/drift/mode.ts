/**
 * How a Kustomization treats drift. `correct` (the default, what Flux does) puts Git's state back;
 * `detect` — the annotation `tideline.dev/drift: detect` on the Kustomization — only reports it,
 * for teams that want to see and decide before anything is reverted.
 */
import type { FluxKustomization } from '#shared/config/kustomization.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { DriftMode } from '#shared/events/catalog.ts';

/** The annotation that selects the drift mode of a Kustomization. */
export const DRIFT_ANNOTATION = 'tideline.dev/drift';

/**
 * The drift mode of `kustomization`: `correct` unless annotated `tideline.dev/drift: detect`.
 * Any other value is refused by name (InvalidInputError naming the Kustomization), never guessed.
 */
export function driftModeOf(kustomization: Pick<FluxKustomization, 'metadata'>): DriftMode {
  const annotations = (kustomization.metadata as { annotations?: Record<string, unknown> }).annotations;
  const value = annotations?.[DRIFT_ANNOTATION];
  if (value === undefined || value === 'correct') return 'correct';
  if (value === 'detect') return 'detect';
  throw new InvalidInputError(
    `Kustomization ${kustomization.metadata.namespace}/${kustomization.metadata.name}: annotation ${DRIFT_ANNOTATION} must be "detect" or "correct", not ${JSON.stringify(value)}`,
    {
      object: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        namespace: kustomization.metadata.namespace,
        name: kustomization.metadata.name,
      },
    },
  );
}

/**
 * The Flux fleet tree: cluster roots, classification of rendered bundles into configuration,
 * workload and Flux's own controllers, the serialisable snapshot of every cluster's tree, and
 * Flux's dependsOn/suspend rules. See docs/fleet.md.
 */
export * from './objects.ts';
export * from './classify.ts';
export * from './controller.ts';
export * from './roots.ts';
export * from './snapshot.ts';
export * from './sources.ts';
export * from './dependencies.ts';
export * from './resolve.ts';

/**
 * Patch engines of the renderer: kustomize-compatible strategic merge patches and RFC 6902 JSON
 * patches over `yaml` node trees, and the merge-key table generated from the Kubernetes OpenAPI
 * document (regenerate with `node scripts/gen-merge-schema.ts`).
 */
export { strategicMergePatch } from './strategic-merge.ts';
export type { GroupVersionKind, StrategicMergeOptions } from './strategic-merge.ts';
export { applyJson6902, parseJson6902Operations } from './json6902.ts';
export type { Json6902Operation } from './json6902.ts';
export { mergeSchemaSource, patchStrategyAndKeys, schemaElements, schemaField, schemaForType } from './schema.ts';
export type { SchemaNode } from './schema.ts';

/**
 * The renderer's public surface: what the pipeline, the command line, the benchmarks and the tests
 * use. The renderer itself is `renderer.ts`; SOPS decryption is `sops/`, Flux's build rules
 * `flux.ts`, the file system guards and caps `load.ts`.
 */
export { renderKustomization, type RenderOptions, type RenderResult, type RenderedObjectRef } from './renderer.ts';
export { DEFAULT_LIMITS, type RenderLimits } from './load.ts';
export { buildOptionsFromKustomization, substituteVariables, type FluxBuildOptions } from './flux.ts';
export { ageIdentitiesFromSecret, createSopsDecryptor, decryptSopsFile, parseAgeIdentities, type SopsDecryptor, type SopsKeys } from './sops/index.ts';

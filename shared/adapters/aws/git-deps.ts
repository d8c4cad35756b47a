/** The Git side of the pipeline in AWS (source and render): isomorphic-git on the function's cache, credentials from Secrets Manager. */
import { IsomorphicGitSource } from '#shared/git/index.ts';
import type { PipelineDeps } from '#shared/pipeline/deps.ts';
import { systemClock } from '#shared/ports/index.ts';
import type { AwsPipelineContext } from './pipeline-deps.ts';
import { SecretsManagerSecretStore } from './secrets-manager-store.ts';

/** Git sources and the secret store their credentials (and SOPS keys) come from. */
export function gitDeps({ config, secretsManager }: AwsPipelineContext): Pick<PipelineDeps, 'git' | 'secrets'> {
  return {
    git: new IsomorphicGitSource({ cacheDir: config.gitCacheDir, clock: systemClock }),
    secrets: new SecretsManagerSecretStore(secretsManager, { prefix: config.secretsPrefix }),
  };
}

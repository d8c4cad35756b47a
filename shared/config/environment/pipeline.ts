/**
 * Settings of the pipeline functions (source, render, apply), read once at cold start from their
 * environment.
 */
import yaml from 'js-yaml';
import { InvalidInputError, errorMessage } from '#shared/errors/index.ts';
import { parseGitRepository, type FluxGitRepository } from '#shared/config/git-repository.ts';
import { DEFAULT_BUS_NAME } from '#shared/events/catalog.ts';
import { optionalVariable, requiredVariable, wholeNumberVariable, type EnvironmentVariables } from './variables.ts';

/** The source, render and apply functions' settings. */
export interface PipelineEnvironment {
  /** `TIDELINE_BUS_NAME` (default `tideline`). */
  busName: string;
  /** S3 bucket of bundles and the fleet snapshot (`TIDELINE_ARTIFACT_BUCKET`, required). */
  artifactBucket: string;
  /** DynamoDB table of reconcile status (`TIDELINE_STATUS_TABLE`, required). */
  statusTable: string;
  /** Prefix of Secrets Manager names (`TIDELINE_SECRETS_PREFIX`, default `tideline/`); cluster records are under `<prefix>clusters/`. */
  secretsPrefix: string;
  /** The bootstrap fleet repository: a Flux GitRepository in YAML or JSON (`TIDELINE_BOOTSTRAP`, required). */
  bootstrap: FluxGitRepository;
  /** Where the Git cache lives (`TIDELINE_GIT_CACHE`, default `/tmp/tideline-git`: Lambda's writable storage, reused while warm). */
  gitCacheDir: string;
  /** Targets per render shard (`TIDELINE_RENDER_SHARD_SIZE`, default 25). */
  shardSize: number;
}

/** Reads and validates the pipeline functions' environment; throws InvalidInputError naming the variable. */
export function readPipelineEnvironment(env: EnvironmentVariables): PipelineEnvironment {
  const bootstrapText = requiredVariable(env, 'TIDELINE_BOOTSTRAP');
  let bootstrap: FluxGitRepository;
  try {
    bootstrap = parseGitRepository(yaml.load(bootstrapText, { schema: yaml.CORE_SCHEMA }), 'TIDELINE_BOOTSTRAP');
  } catch (error) {
    throw new InvalidInputError(`environment variable TIDELINE_BOOTSTRAP: ${errorMessage(error)}`);
  }
  const shardSize = wholeNumberVariable(env, 'TIDELINE_RENDER_SHARD_SIZE', { fallback: 25, min: 1, max: 200 });
  return {
    busName: optionalVariable(env, 'TIDELINE_BUS_NAME') ?? DEFAULT_BUS_NAME,
    artifactBucket: requiredVariable(env, 'TIDELINE_ARTIFACT_BUCKET'),
    statusTable: requiredVariable(env, 'TIDELINE_STATUS_TABLE'),
    secretsPrefix: optionalVariable(env, 'TIDELINE_SECRETS_PREFIX') ?? 'tideline/',
    bootstrap,
    gitCacheDir: optionalVariable(env, 'TIDELINE_GIT_CACHE') ?? '/tmp/tideline-git',
    shardSize,
  };
}

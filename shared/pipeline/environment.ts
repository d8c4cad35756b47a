/**
 * Settings of the pipeline functions (source, render, apply), read once at cold start from their
 * environment; a missing or malformed variable fails the cold start with a message naming it.
 */
import yaml from 'js-yaml';
import { InvalidInputError, errorMessage } from '#shared/errors/index.ts';
import { parseGitRepository, type FluxGitRepository } from '#shared/config/git-repository.ts';
import { DEFAULT_BUS_NAME } from '#shared/events/catalog.ts';

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

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new InvalidInputError(`environment variable ${name} is required`);
  return value;
}

/** Reads and validates the pipeline functions' environment. */
export function readPipelineEnvironment(env: Readonly<Record<string, string | undefined>>): PipelineEnvironment {
  const bootstrapText = required(env, 'TIDELINE_BOOTSTRAP');
  let bootstrap: FluxGitRepository;
  try {
    bootstrap = parseGitRepository(yaml.load(bootstrapText, { schema: yaml.CORE_SCHEMA }), 'TIDELINE_BOOTSTRAP');
  } catch (error) {
    throw new InvalidInputError(`environment variable TIDELINE_BOOTSTRAP: ${errorMessage(error)}`);
  }
  const shardText = env['TIDELINE_RENDER_SHARD_SIZE']?.trim() || '25';
  if (!/^[0-9]+$/.test(shardText) || Number(shardText) < 1 || Number(shardText) > 200) throw new InvalidInputError('environment variable TIDELINE_RENDER_SHARD_SIZE must be a whole number from 1 to 200');
  return {
    busName: env['TIDELINE_BUS_NAME']?.trim() || DEFAULT_BUS_NAME,
    artifactBucket: required(env, 'TIDELINE_ARTIFACT_BUCKET'),
    statusTable: required(env, 'TIDELINE_STATUS_TABLE'),
    secretsPrefix: env['TIDELINE_SECRETS_PREFIX']?.trim() || 'tideline/',
    bootstrap,
    gitCacheDir: env['TIDELINE_GIT_CACHE']?.trim() || '/tmp/tideline-git',
    shardSize: Number(shardText),
  };
}

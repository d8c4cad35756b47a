/** Settings of the alerts function, read once at cold start from its environment. */
import { optionalVariable, requiredVariable, type EnvironmentVariables } from './variables.ts';

/** The alerts function's settings. */
export interface AlertsEnvironment {
  /** Checkout of the fleet repo holding the Alert and Provider objects (`TIDELINE_ALERTS_CONFIG_DIR`, required). */
  configDir: string;
  /** DynamoDB table for dedup records and Slack threads (`TIDELINE_DEDUP_TABLE`: key `pk`, TTL attribute `expiresAt`); memory when unset. */
  dedupTable?: string;
  /** Local secrets file (`TIDELINE_SECRETS_FILE`); Secrets Manager when unset. */
  secretsFile?: string;
  /** Prefix of Secrets Manager names (`TIDELINE_SECRETS_PREFIX`, default `tideline/`). */
  secretsPrefix: string;
  /** S3 bucket holding the fleet snapshot (`TIDELINE_ARTIFACT_BUCKET`): Alerts and Providers from Git, over the config directory's. */
  artifactBucket?: string;
}

/** Reads and validates the alerts function's environment; throws InvalidInputError naming the variable. */
export function readAlertsEnvironment(env: EnvironmentVariables): AlertsEnvironment {
  const configDir = requiredVariable(env, 'TIDELINE_ALERTS_CONFIG_DIR', 'the fleet repo checkout with Alert and Provider objects');
  const dedupTable = optionalVariable(env, 'TIDELINE_DEDUP_TABLE');
  const secretsFile = optionalVariable(env, 'TIDELINE_SECRETS_FILE');
  const artifactBucket = optionalVariable(env, 'TIDELINE_ARTIFACT_BUCKET');
  return {
    configDir,
    ...(dedupTable ? { dedupTable } : {}),
    ...(secretsFile ? { secretsFile } : {}),
    secretsPrefix: env['TIDELINE_SECRETS_PREFIX'] ?? 'tideline/',
    ...(artifactBucket ? { artifactBucket } : {}),
  };
}

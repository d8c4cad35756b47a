// moto server — local, real-protocol stand-ins for EventBridge, SQS, S3, Secrets Manager and
// DynamoDB. Installed at a pinned version into a Python venv in the cache, started on a free port.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { startService } from './process.ts';
import type { ServiceProcess } from './process.ts';
import { ensureVenv, python } from './venv.ts';

const execFileAsync = promisify(execFile);

/** The pinned moto release. */
export const motoVersion = '5.2.5';
const motoRequirement = `moto[server]==${motoVersion}`;

export interface MotoConnection {
  /** `http://127.0.0.1:<port>` — pass as `endpoint` to every AWS SDK client. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface MotoServer extends MotoConnection {
  stop(): Promise<void>;
}

async function pythonVersion(): Promise<string> {
  try {
    const { stdout } = await execFileAsync(python(), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    return stdout.trim();
  } catch (error) {
    throw new Error(`testenv: ${python()} is needed to run moto server but could not be run: ${(error as Error).message}`, { cause: error });
  }
}

/** Returns the python interpreter of a venv with moto installed, creating the venv on first use. */
export function ensureMotoVenv(): Promise<string> {
  return ensureVenv(`moto-${motoVersion}`, motoRequirement, 'moto', pythonVersion);
}

async function waitForMoto(endpoint: string, service: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.hasExited()) {
      throw new Error(`testenv: moto server exited during start-up\n--- last lines of ${service.logFile} ---\n${service.logTail()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(40);
  }
  await service.stop(500);
  throw new Error(`testenv: moto server not ready after ${timeoutMs} ms\n--- last lines of ${service.logFile} ---\n${service.logTail()}`);
}

/** Starts moto server on a free loopback port; `logDir` receives its log. */
export async function startMoto(options: { logDir: string; venvPython?: string; readyTimeoutMs?: number }): Promise<MotoServer> {
  const venvPython = options.venvPython ?? (await ensureMotoVenv());
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const service = startService('moto', venvPython, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    logFile: join(options.logDir, 'moto.log'),
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  await waitForMoto(endpoint, service, options.readyTimeoutMs ?? 60_000);
  return {
    endpoint,
    region: 'us-east-1',
    // moto accepts any credentials; fixed fake ones keep the SDK from looking for real ones.
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    stop: () => service.stop(),
  };
}

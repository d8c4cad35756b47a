// moto server — local, real-protocol stand-ins for EventBridge, SQS, S3, Secrets Manager and
// DynamoDB. Installed at a pinned version into a Python venv in the cache, started on a free port.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { withLock } from './lock.ts';
import { testenvCacheRoot } from './paths.ts';
import { freePort } from './ports.ts';
import { startService } from './process.ts';
import type { ServiceProcess } from './process.ts';

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

function python(): string {
  return process.env['TIDELINE_PYTHON'] || 'python3';
}

async function pythonVersion(): Promise<string> {
  try {
    const { stdout } = await execFileAsync(python(), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    return stdout.trim();
  } catch (error) {
    throw new Error(`testenv: ${python()} is needed to run moto server but could not be run: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Returns the python interpreter of a venv with moto installed, creating the venv on first use.
 * The venv is built in a temporary directory and renamed into place, so a half-installed one is never used.
 */
export async function ensureMotoVenv(): Promise<string> {
  const root = join(testenvCacheRoot(), `moto-${motoVersion}`);
  const venvPython = join(root, 'venv', 'bin', 'python');
  const marker = join(root, 'venv', '.tideline-complete');
  // No interpreter is started on the warm path (a pyenv shim alone can take a second); the venv's
  // python is a symlink to its base interpreter, so a removed or upgraded Python shows up here.
  const usable = (): boolean => existsSync(marker) && existsSync(venvPython);
  if (usable()) return venvPython;

  mkdirSync(root, { recursive: true });
  await withLock(join(root, 'install.lock'), 'installing moto', async () => {
    if (usable()) return;
    await pythonVersion(); // a clear error when there is no python3 at all
    const started = Date.now();
    const tmp = join(root, `venv.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`testenv: installing ${motoRequirement} into ${join(root, 'venv')} …\n`);
    try {
      await execFileAsync(python(), ['-m', 'venv', tmp]);
    } catch (error) {
      throw new Error(
        `testenv: \`${python()} -m venv\` failed — the Python venv module is missing ` +
          '(Debian/Ubuntu: apt-get install -y python3-venv; .ci/run does this): ' + (error as Error).message,
        { cause: error },
      );
    }
    try {
      await execFileAsync(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', motoRequirement], {
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`testenv: pip install ${motoRequirement} failed: ${(error as Error).message}\n${stderr.slice(-2000)}`, { cause: error });
    }
    writeFileSync(join(tmp, '.tideline-complete'), `${motoRequirement}\n`);
    rmSync(join(root, 'venv'), { recursive: true, force: true });
    // We only ever run `venv/bin/python -m moto.server`, which does not care that the venv moved.
    renameSync(tmp, join(root, 'venv'));
    process.stderr.write(`testenv: installed moto in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  });
  return venvPython;
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
  const venvPython = options.venvPython ?? await ensureMotoVenv();
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

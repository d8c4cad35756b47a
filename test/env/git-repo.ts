// Test helper that creates a bare repository served by the test Git HTTP server and writes history
// into it with the git CLI (a working clone pushes to the bare repository directly on disk).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { authFileName, bearerAuthFileName } from './git-server.ts';

const execFileAsync = promisify(execFile);

/** Where repositories live and how the server is reached (from the environment state). */
export interface GitHosting {
  baseUrl: string;
  projectRoot: string;
  username: string;
  password: string;
  /** Scratch directory for working clones. */
  workRoot: string;
}

export interface CreateGitRepoOptions {
  /** Repository name; the URL ends in `/<name>.git` (a random folder in front keeps names unique). */
  name: string;
  /** Files of the first commit (path → content). */
  files?: Record<string, string>;
  /** A folder copied into the first commit. */
  fixtureDir?: string;
  /** Require basic auth (the environment's git username/password) to fetch or push. */
  auth?: boolean;
  /** Require `Authorization: Bearer <token>` with this token to fetch (instead of basic auth). */
  bearerToken?: string;
  /** Default branch name (default `main`). */
  defaultBranch?: string;
}

export interface TestGitRepo {
  /** Clone URL on the test Git HTTP server. */
  url: string;
  /** Set when the repository requires basic auth. */
  username?: string;
  password?: string;
  /** Path of the bare repository on disk. */
  bareDir: string;
  /** Writes (string) or deletes (null) files, commits on the current branch and pushes; returns the commit sha. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  /** Creates (annotated when `message` is given) tag `name` at `rev` (default: current branch head) and pushes it. */
  tag(name: string, rev?: string, message?: string): Promise<void>;
  /** Creates branch `name` at `rev` (default: current branch head) and pushes it. */
  branch(name: string, rev?: string): Promise<void>;
  /** Makes `name` the branch that later commit() calls go to (created from the current head if new). */
  checkout(name: string): Promise<void>;
  /** Sha of the head of `branchName` (default: current branch) as the server has it. */
  head(branchName?: string): Promise<string>;
}

const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Tideline Test',
  GIT_AUTHOR_EMAIL: 'test@tideline.invalid',
  GIT_COMMITTER_NAME: 'Tideline Test',
  GIT_COMMITTER_EMAIL: 'test@tideline.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`testenv: git ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || (error as Error).message}`, { cause: error });
  }
}

function writeFiles(workDir: string, files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    if (path.split('/').includes('..') || path.startsWith('/')) throw new Error(`testenv: file path must stay inside the repository: ${path}`);
    const target = join(workDir, path);
    if (content === null) {
      rmSync(target, { force: true, recursive: true });
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
}

/** Creates a bare repository under `hosting.projectRoot` and, when files are given, its first commit. */
export async function createGitRepoIn(hosting: GitHosting, options: CreateGitRepoOptions): Promise<TestGitRepo> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.name)) throw new Error(`testenv: invalid repository name ${JSON.stringify(options.name)}`);
  const defaultBranch = options.defaultBranch ?? 'main';
  const folder = randomBytes(4).toString('hex');
  const relative = `${folder}/${options.name}.git`;
  const bareDir = join(hosting.projectRoot, folder, `${options.name}.git`);
  mkdirSync(hosting.workRoot, { recursive: true });
  const workDir = mkdtempSync(join(hosting.workRoot, `${options.name}-`));

  await Promise.all([
    git(hosting.projectRoot, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, bareDir]).then(() =>
      git(bareDir, ['config', 'http.receivepack', 'true']),
    ),
    git(workDir, ['init', '--quiet', `--initial-branch=${defaultBranch}`]),
  ]);
  await git(workDir, ['remote', 'add', 'origin', bareDir]);
  if (options.auth === true) writeFileSync(join(bareDir, authFileName), `${hosting.username}:${hosting.password}\n`);
  if (options.bearerToken !== undefined) writeFileSync(join(bareDir, bearerAuthFileName), `${options.bearerToken}\n`);

  let currentBranch = defaultBranch;
  const repo: TestGitRepo = {
    url: `${hosting.baseUrl}/${relative}`,
    bareDir,
    ...(options.auth === true ? { username: hosting.username, password: hosting.password } : {}),
    commit: async (files, message) => {
      writeFiles(workDir, files);
      await git(workDir, ['add', '--all']);
      await git(workDir, ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message]);
      await git(workDir, ['push', '--quiet', 'origin', `HEAD:refs/heads/${currentBranch}`]);
      return git(workDir, ['rev-parse', 'HEAD']);
    },
    tag: async (name, rev = 'HEAD', message) => {
      await git(workDir, message === undefined ? ['tag', name, rev] : ['tag', '-a', name, '-m', message, rev]);
      await git(workDir, ['push', '--quiet', 'origin', `refs/tags/${name}`]);
    },
    branch: async (name, rev = 'HEAD') => {
      await git(workDir, ['branch', name, rev]);
      await git(workDir, ['push', '--quiet', 'origin', `refs/heads/${name}`]);
    },
    checkout: async (name) => {
      const exists = await git(workDir, ['branch', '--list', name]);
      await git(workDir, exists === '' ? ['checkout', '--quiet', '-b', name] : ['checkout', '--quiet', name]);
      currentBranch = name;
    },
    head: (branchName) => git(bareDir, ['rev-parse', `refs/heads/${branchName ?? currentBranch}`]),
  };

  if (options.fixtureDir !== undefined) cpSync(options.fixtureDir, workDir, { recursive: true });
  if (options.files !== undefined) writeFiles(workDir, options.files);
  if (options.fixtureDir !== undefined || options.files !== undefined) await repo.commit({}, 'Initial commit');
  return repo;
}

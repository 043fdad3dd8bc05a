import { execFile } from 'node:child_process';

export interface NpmCommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs the npm CLI (the one on PATH, or npm's own when we run under it) with `args`, outside any
 * project (cwd given by the caller) so that no project `.npmrc` leaks in. Rejects with npm's
 * own error text.
 */
export function runNpm(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<NpmCommandResult> {
  const npmCli = process.env.npm_execpath;
  const [command, fullArgs] =
    npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      fullArgs,
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          ...options.env,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim().split('\n').slice(-6).join('\n') || error.message;
          reject(new Error(`npm ${args[0]} failed: ${detail}`));
        } else resolve({ stdout, stderr });
      },
    );
  });
}

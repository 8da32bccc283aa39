// Runs an operator command (src/cli/<name>.ts) in this process, as `npm run <command>` would run it
// through scripts/cli.mjs but without starting node: its output captured, its exit code returned.
// A command opens DATA_DIR or DATABASE_URL from `env` itself and closes it before it returns, so a
// test can open the same PGlite data dir afterwards.
import { runCommand, type Command } from '../../src/cli/command.ts';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCli(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const module = (await import(`../../src/cli/${name}.ts`)) as { run: Command };
  let stdout = '';
  let stderr = '';
  const status = await runCommand(module.run, {
    args,
    env,
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

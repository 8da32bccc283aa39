// For the hub's own process (main.ts, src/serve/): a clear one-line stop, and the configuration or
// a one-line stop. The operator commands stop through src/cli/command.ts instead, without exiting
// the process, so that they can run inside another (the tests).
import { ConfigError, loadConfig, type Config } from '../config.ts';

/** Prints one line to stderr and exits (1 unless given: audit:verify uses 2 for "could not check"). */
export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function configOrExit(code = 1): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, code);
    throw error;
  }
}

// Shared by the commands: a clear one-line stop, and the configuration or a one-line stop.
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

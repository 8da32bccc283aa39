// What every operator command is: a function of its arguments, environment and two outputs, that
// returns its exit code. scripts/cli.mjs runs one with the process's own (`npm run <command>`);
// the tests run them in-process with captured output, without starting a node process per call.
import type { DestinationStream } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config.ts';

export interface CommandIO {
  /** The command's arguments (after the command's name). */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Standard output; `text` includes its own newline, as with process.stdout.write. */
  out(text: string): void;
  /** Standard error, likewise. */
  err(text: string): void;
}

/** Returns the exit code (0 when nothing is returned); a stop is thrown with fail(). */
export type Command = (io: CommandIO) => Promise<number | void>;

/** Thrown by fail(): the command stops with this exit code, its message written already. */
export class CommandStop extends Error {
  constructor(readonly code: number) {
    super(`command stopped with exit code ${code}`);
    this.name = 'CommandStop';
  }
}

/** Writes one line to stderr and stops (1 unless given: audit:verify uses 2 for "could not check"). */
export function fail(io: CommandIO, message: string, code = 1): never {
  io.err(`${message}\n`);
  throw new CommandStop(code);
}

/** The configuration from the command's environment, or a one-line stop. */
export function configOrStop(io: CommandIO, code = 1): Config {
  try {
    return loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(io, error.message, code);
    throw error;
  }
}

/** A pino destination writing to the command's stderr (the logs of a command that logs at all). */
export function errDestination(io: CommandIO): DestinationStream {
  return { write: (text: string) => io.err(text) };
}

/** Runs a command to its exit code: its own, a stop's, or 1 (with the message) for anything thrown. */
export async function runCommand(command: Command, io: CommandIO): Promise<number> {
  try {
    return (await command(io)) ?? 0;
  } catch (error) {
    if (error instanceof CommandStop) return error.code;
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

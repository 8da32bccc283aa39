// Runs one of the operator commands (src/cli/<name>.ts): `npm run token`, `migrate`, `retention`, ...
// Where the development dependencies are installed it runs the source through tsx, so a command
// never runs code older than the checkout; without them (`npm ci --omit=dev`, the container image)
// it runs the compiled dist/cli/<name>.js with plain node. Either way in this process: no shell or
// extra process sits between the operator and the command.
// Each command module exports `run`, a function of its arguments, environment and outputs that
// returns the exit code (src/cli/command.ts); this is where it meets the real process.
import { existsSync } from 'node:fs';

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  process.stderr.write('usage: node scripts/cli.mjs <command> [arguments]\n');
  process.exit(2);
}

const source = (file) => new URL(`../src/cli/${file}.ts`, import.meta.url);
const compiled = (file) => new URL(`../dist/cli/${file}.js`, import.meta.url);
let tsx = null;
if (existsSync(source(name))) tsx = await import('tsx/esm/api').catch(() => null);
let url;
if (tsx) {
  tsx.register();
  url = source;
} else if (existsSync(compiled(name))) {
  url = compiled;
} else {
  process.stderr.write(`${name}: dist/cli/${name}.js is missing: run \`npm run build\` first\n`);
  process.exit(1);
}
// The runner from the same place as the command: both source, or both compiled.
const [{ runCommand }, command] = await Promise.all([import(url('command').href), import(url(name).href)]);
if (typeof command.run !== 'function') {
  process.stderr.write(`${name}: not a command (src/cli/${name}.ts exports no run)\n`);
  process.exit(2);
}
// A reader that has seen enough (`npm run token -- --list | head -1`) ends the command quietly.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit();
});
process.exitCode = await runCommand(command.run, {
  args: process.argv.slice(3),
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});

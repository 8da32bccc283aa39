// Runs one of the operator commands (src/cli/<name>.ts): `npm run token`, `migrate`, `retention`, ...
// Where the development dependencies are installed it runs the source through tsx, so a command
// never runs code older than the checkout; without them (`npm ci --omit=dev`, the container image)
// it runs the compiled dist/cli/<name>.js with plain node. Either way in this process: no shell or
// extra process sits between the operator and the command.
import { existsSync } from 'node:fs';

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  process.stderr.write('usage: node scripts/cli.mjs <command> [arguments]\n');
  process.exit(2);
}
// The command parses process.argv.slice(2) as its own arguments.
process.argv.splice(2, 1);

const source = new URL(`../src/cli/${name}.ts`, import.meta.url);
const compiled = new URL(`../dist/cli/${name}.js`, import.meta.url);
let tsx = null;
if (existsSync(source)) tsx = await import('tsx/esm/api').catch(() => null);
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write(`${name}: dist/cli/${name}.js is missing: run \`npm run build\` first\n`);
  process.exit(1);
}

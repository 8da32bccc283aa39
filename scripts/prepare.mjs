// npm's `prepare` (runs after `npm install` / `npm ci`): builds the server and the console, so a
// fresh clone needs only `npm install && npm start`. Without the development dependencies
// (`npm ci --omit=dev`) there is no compiler: the build is skipped and dist/ is used as it is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const installed = (name) => {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
};

if (!installed('typescript') || !installed('vite')) {
  const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
  process.stdout.write(`prepare: development dependencies not installed, build skipped (${built ? 'dist/ is used as it is' : 'no dist/ yet: build where they are installed'})\n`);
  process.exit(0);
}
const npm = process.env.npm_execpath;
const build = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);

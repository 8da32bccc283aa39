// `npm run build:server`: the server as production runs it. Compiles src/ to dist/ with tsc
// (tsconfig.build.json rewrites the `.ts` import specifiers to `.js`) and copies the files the code
// reads beside itself at run time: migrations, keys, issuer lists, letter templates. The console is
// vite's (dist/console, `npm run console:build`) and is left alone here.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

// A file deleted or renamed in src/ must not live on in dist/: start from an empty dist/ (but the console).
if (existsSync(dist)) for (const entry of readdirSync(dist)) if (entry !== 'console') rmSync(join(dist, entry), { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

let copied = 0;
cpSync(src, dist, {
  recursive: true,
  filter: (from) => {
    const path = relative(src, from);
    if (path === 'console' || path.startsWith(`console/`)) return false;
    if (from.endsWith('.ts')) return false;
    if (!path.includes('.')) return true; // a folder: descend
    copied++;
    return true;
  },
});
process.stdout.write(`server built into ${relative(process.cwd(), dist) || 'dist'} (${copied} asset files copied beside the code)\n`);

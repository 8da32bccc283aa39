// npm run policy:table            prints who may see what, generated from src/policy/policy.ts
// npm run policy:table -- --write  also updates the table in README.md (between its markers)
import { readFileSync, writeFileSync } from 'node:fs';
import { renderPolicyTable } from '../policy/table.ts';
import { replaceGeneratedSection } from '../policy/readme.ts';

const table = renderPolicyTable();
process.stdout.write(`${table}\n`);
if (process.argv.includes('--write')) {
  const readme = new URL('../../README.md', import.meta.url);
  writeFileSync(readme, replaceGeneratedSection(readFileSync(readme, 'utf8'), table));
  process.stderr.write('README.md updated\n');
}

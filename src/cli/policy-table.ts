// npm run policy:table            prints who may see what, generated from src/policy/policy.ts
// npm run policy:table -- --write  also updates the generated sections of README.md (who sees
//                                  what, the referral state machine from referrals/lifecycle.ts, and
//                                  the next-step rules from outreach/next-step.ts)
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceGeneratedSection } from '../policy/readme.ts';
import { renderLifecycleTable, renderPolicyTable } from '../policy/table.ts';
import { renderNextStepTable } from '../outreach/next-step.ts';
import { renderRegisterTable } from '../audit/processing-activities.ts';

const policy = renderPolicyTable();
process.stdout.write(`${policy}\n`);
if (process.argv.includes('--write')) {
  const readme = new URL('../../README.md', import.meta.url);
  let text = readFileSync(readme, 'utf8');
  text = replaceGeneratedSection(text, 'policy:table', policy);
  text = replaceGeneratedSection(text, 'lifecycle:table', renderLifecycleTable());
  text = replaceGeneratedSection(text, 'next-step:table', renderNextStepTable());
  text = replaceGeneratedSection(text, 'register:table', renderRegisterTable());
  writeFileSync(readme, text);
  process.stderr.write('README.md updated\n');
}

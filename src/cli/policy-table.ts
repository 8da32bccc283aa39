// npm run policy:table            prints who may see what, generated from src/policy/policy.ts
// npm run policy:table -- --write  also updates the generated sections of the documentation
//                                  (src/policy/readme.ts lists them: who sees what, the register of
//                                  processing activities and the next-step rules in
//                                  docs/privacy-officers.md; the referral state machine in
//                                  docs/integrators.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_SECTIONS, replaceGeneratedSection } from '../policy/readme.ts';
import { renderPolicyTable } from '../policy/table.ts';
import type { Command } from './command.ts';

export const run: Command = async (io) => {
  io.out(`${renderPolicyTable()}\n`);
  if (io.args.includes('--write')) {
    const files = [...new Set(GENERATED_SECTIONS.map((section) => section.file))];
    for (const file of files) {
      const url = new URL(`../../${file}`, import.meta.url);
      let text = readFileSync(url, 'utf8');
      for (const section of GENERATED_SECTIONS.filter((candidate) => candidate.file === file))
        text = replaceGeneratedSection(text, section.name, section.render(), file);
      writeFileSync(url, text);
      io.err(`${file} updated\n`);
    }
  }
};

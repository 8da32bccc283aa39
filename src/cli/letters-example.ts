// npm run letters:example -- <folder>
// Renders the letter and the door note in every language with an invented pupil, for translators
// and reviewers (and the example in docs/officers.md). Nothing is read from or written to the database.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LETTER_KINDS, LETTER_LANGUAGES, renderLetter } from '../letters/render.ts';
import { fail, type Command } from './command.ts';

export const run: Command = async (io) => {
  const folder = io.args[0];
  if (!folder) fail(io, 'usage: npm run letters:example -- <folder>');
  mkdirSync(folder, { recursive: true });
  for (const kind of LETTER_KINDS)
    for (const language of LETTER_LANGUAGES) {
      const pdf = await renderLetter({
        kind,
        language,
        pupilName: 'Sanne de Vries',
        schoolName: 'Zuiderpark College',
        officer: { name: 'Marieke Jansen', organisation: 'Leerlingzaken Den Haag', phone: '070-3535000', email: 'leerlingzaken@denhaag.example' },
        date: new Date('2026-03-16T09:00:00Z'),
        visitDate: kind === 'DOOR_NOTE' ? new Date('2026-03-16T08:30:00Z') : null,
        municipalityName: 'Den Haag',
        reference: '7F3A2C1B',
        address: { street: 'Melis Stokelaan', houseNumber: '1200', postalCode: '2541 GK', city: 'Den Haag' },
      });
      const file = join(folder, `${kind === 'LETTER' ? 'letter' : 'door-note'}.${language}.pdf`);
      writeFileSync(file, pdf);
      io.out(`${file}\n`);
    }
};

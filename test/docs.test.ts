// The documentation, by reader: the README stays short and leads to each reader's page in one
// click, and the tables generated from code (`npm run policy:table -- --write`) are current in the
// page that holds them.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_SECTIONS, generatedSection, markers } from '../src/policy/readme.ts';

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const README = read('README.md');

const READER_PAGES = [
  'docs/integrators.md',
  'docs/officers.md',
  'docs/privacy-officers.md',
  'docs/operations.md',
  'docs/architecture.md',
  'docs/domain.md',
];

describe('the README', () => {
  it('stays under 10,000 characters', () => {
    expect(README.length).toBeLessThanOrEqual(10_000);
  });

  it('links every reader page, and each exists', () => {
    for (const page of READER_PAGES) {
      expect(README).toContain(`](${page})`);
      expect(existsSync(new URL(`../${page}`, import.meta.url)), page).toBe(true);
    }
  });

  it('says how to set up, test, and give GraphiQL a token', () => {
    expect(README).toContain('npm install');
    expect(README).toContain('npm start');
    expect(README).toContain('npm test');
    expect(README).toMatch(/Node 20\.19/);
    expect(README).toContain('{"Authorization": "Bearer ');
    expect(README).toContain('apt-get install chromium');
  });
});

describe('the generated tables (npm run policy:table -- --write)', () => {
  for (const section of GENERATED_SECTIONS) {
    it(`${section.name} in ${section.file} is current`, () => {
      const page = read(section.file);
      expect(page).toContain(markers(section.name).start);
      expect(generatedSection(page, section.name)).toBe(section.render().trim());
    });
  }

  it('no page but its own holds a generated section', () => {
    for (const file of ['README.md', ...READER_PAGES]) {
      const page = read(file);
      for (const section of GENERATED_SECTIONS.filter((candidate) => candidate.file !== file))
        expect(page.includes(markers(section.name).start), `${section.name} in ${file}`).toBe(false);
    }
  });
});

describe('links between the pages', () => {
  // GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
  const slug = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
  const anchors = (page: string) => {
    const found = new Set<string>();
    let fenced = false;
    for (const line of page.split('\n')) {
      if (line.startsWith('```')) fenced = !fenced;
      const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
      if (heading) found.add(slug(heading[1]!));
    }
    return found;
  };

  it('land on a heading that exists, wherever the target page exists', () => {
    const broken: string[] = [];
    for (const file of ['README.md', ...READER_PAGES]) {
      const page = read(file);
      const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
      for (const [, target] of page.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : new URL(path, `file:///${folder}`).pathname.slice(1);
        if (!existsSync(new URL(`../${resolved}`, import.meta.url))) continue;
        if (anchor !== undefined && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('docs/integrators.md', () => {
  it('lists every error code the hub answers with', () => {
    const source = ['src/errors.ts', 'src/http/error-codes.ts', 'src/http/persisted.ts'].map(read).join('\n');
    const codes = new Set<string>();
    // The ErrorCode union, the codes set in extensions, and yoga's own (GraphQLServerErrorCode in errors.ts).
    for (const [, code] of source.matchAll(/\|\s*'([A-Z_]+)'/g)) codes.add(code!);
    for (const [, code] of source.matchAll(/code: '([A-Z_]+)'/g)) codes.add(code!);
    for (const code of ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE']) codes.add(code);
    expect(codes.size).toBeGreaterThan(15);
    const page = read('docs/integrators.md');
    const table = page.slice(page.indexOf('## Errors and their codes'), page.indexOf('## Limits a client meets'));
    expect([...codes].filter((code) => !table.includes(`\`${code}\``))).toEqual([]);
  });
});

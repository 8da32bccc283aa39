// The organisation registry, cached in memory: every request needs its caller's organisation, and
// the registry changes rarely. A miss reloads at most once per few seconds, so a stream of tokens
// naming unknown organisations cannot turn into a stream of queries.
import type { Kysely } from 'kysely';
import type { MunicipalityRow, OrganisationRow, Tables } from '../db/tables.ts';

const MAX_AGE_MS = 60_000;
const MIN_RELOAD_INTERVAL_MS = 5_000;

export class OrganisationDirectory {
  #byId = new Map<string, OrganisationRow>();
  #municipalities = new Map<string, MunicipalityRow>();
  #loadedAt = 0;
  #loading: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string): Promise<OrganisationRow | undefined> {
    const age = this.now() - this.#loadedAt;
    if (age > MAX_AGE_MS || (!this.#byId.has(id) && age > MIN_RELOAD_INTERVAL_MS)) await this.reload();
    return this.#byId.get(id);
  }

  async municipality(code: string): Promise<MunicipalityRow | undefined> {
    if (!this.#municipalities.has(code) && this.now() - this.#loadedAt > MIN_RELOAD_INTERVAL_MS) await this.reload();
    return this.#municipalities.get(code);
  }

  /** An organisation that rows refer to by foreign key; its absence is a bug, not a user error. */
  async require(id: string): Promise<OrganisationRow> {
    const organisation = await this.get(id);
    if (!organisation) throw new Error(`organisation ${id} is referenced but not in the registry`);
    return organisation;
  }

  async reload(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const [rows, municipalities] = await Promise.all([
          this.db.selectFrom('organisations').selectAll().execute(),
          this.db.selectFrom('municipalities').selectAll().execute(),
        ]);
        this.#byId = new Map(rows.map((row) => [row.id, row]));
        this.#municipalities = new Map(municipalities.map((row) => [row.code, row]));
        this.#loadedAt = this.now();
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }
}

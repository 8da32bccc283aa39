// Finding a pupil: filters in the address (name, dob, bsn), offered only for categories the viewer
// reads (a filter is a way of reading), and the pupils the hub finds, with paging.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { forbiddenAt, useQuery } from '../../api/client.ts';
import { Link, navigate } from '../../app/router.tsx';
import { useReads } from '../../app/session.tsx';
import { PupilSearchDocument, type PupilFilter } from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { fieldErrorsOf } from '../../ui/errors.ts';
import { TextField, DateField } from '../../ui/Field.tsx';
import { Loading } from '../../ui/Page.tsx';
import { Pager } from '../../ui/Pager.tsx';
import { onlyFieldErrors, PAGE_SIZE, useKeyedPaging } from '../referrals/shared.tsx';

interface FinderValues {
  name: string;
  dob: string;
  bsn: string;
}

function readValues(query: URLSearchParams): FinderValues {
  return { name: query.get('name') ?? '', dob: query.get('dob') ?? '', bsn: query.get('bsn') ?? '' };
}

const FILTER_FIELDS = ['familyNameStartsWith', 'dateOfBirth', 'bsn'];

/**
 * `path` and `keep` say where the filters go (the page's own address, with e.g. nothing else kept);
 * `choose`, when given, adds a column with a link that chooses the pupil (the new-referral page).
 */
export function PupilFinder({
  path,
  query,
  choose,
  headingLevel = 2,
}: {
  path: string;
  query: URLSearchParams;
  choose?: (pupilId: string) => string;
  headingLevel?: 2 | 3;
}) {
  const t = useT();
  const reads = useReads();
  const headingId = useId();
  const applied = readValues(query);
  const appliedKey = JSON.stringify(applied);
  const [values, setValues] = useState<FinderValues>(applied);
  // Back and forward change the address: the form follows it.
  useEffect(() => setValues(JSON.parse(appliedKey) as FinderValues), [appliedKey]);

  const filter: PupilFilter = {};
  if (reads('IDENTITY') && applied.name.trim()) filter.familyNameStartsWith = applied.name.trim();
  if (reads('IDENTITY') && applied.dob) filter.dateOfBirth = applied.dob;
  if (reads('BSN') && applied.bsn.trim()) filter.bsn = applied.bsn.replace(/\s/g, '');
  const paging = useKeyedPaging(appliedKey);
  const result = useQuery(PupilSearchDocument, { first: PAGE_SIZE, after: paging.after, filter });
  const fieldErrors = fieldErrorsOf(t, result.error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(path, { name: values.name.trim(), dob: values.dob, bsn: values.bsn.trim() });
  };
  const clear = () => {
    setValues({ name: '', dob: '', bsn: '' });
    navigate(path);
  };
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const connection = result.data?.pupils;
  return (
    <section aria-labelledby={headingId}>
      <Heading id={headingId}>{t('pupils.search')}</Heading>
      <form className="filters" onSubmit={submit} noValidate aria-labelledby={headingId}>
        {reads('IDENTITY') ? (
          <>
            <TextField
              label={t('pupils.filter.familyName')}
              hint={t('pupils.filter.familyNameHint')}
              error={fieldErrors.familyNameStartsWith}
              value={values.name}
              maxLength={100}
              onChange={(event) => setValues({ ...values, name: event.target.value })}
            />
            <DateField
              label={t('pupils.filter.dateOfBirth')}
              error={fieldErrors.dateOfBirth}
              value={values.dob}
              onValue={(dob) => setValues({ ...values, dob })}
            />
          </>
        ) : null}
        {reads('BSN') ? (
          <TextField
            label={t('pupils.filter.bsn')}
            hint={t('pupils.filter.bsnHint')}
            error={fieldErrors.bsn}
            value={values.bsn}
            inputMode="numeric"
            autoComplete="off"
            maxLength={11}
            onChange={(event) => setValues({ ...values, bsn: event.target.value })}
          />
        ) : null}
        <div className="buttons">
          <button type="submit" className="primary">
            {t('pupils.filter.submit')}
          </button>
          <button type="button" onClick={clear}>
            {t('app.clearFilters')}
          </button>
        </div>
      </form>
      {result.error && !onlyFieldErrors(result.error, FILTER_FIELDS) ? <ErrorNotice error={result.error} /> : null}
      {result.loading && !connection ? <Loading /> : null}
      {connection ? (
        connection.edges.length === 0 ? (
          <p role="status">{t('pupils.table.empty')}</p>
        ) : (
          <>
            <div className="table-scroll">
              <table>
                <caption>{t('pupils.table.caption', { count: connection.totalCount })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('pupils.table.name')}</th>
                    <th scope="col">{t('pupils.table.dateOfBirth')}</th>
                    <th scope="col">{t('pupils.table.municipality')}</th>
                    {choose ? (
                      <th scope="col">
                        <span className="visually-hidden">{t('pupils.table.choose')}</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {connection.edges.map(({ node }, index) => {
                    const at = (field: string) => forbiddenAt(result.partialErrors, ...['pupils', 'edges', index, 'node', field]);
                    const name = node.displayName ?? (at('displayName') ? t('error.fieldHidden') : node.id);
                    return (
                      <tr key={node.id}>
                        <td>
                          <Link to={`/pupils/${node.id}`}>{name}</Link>
                        </td>
                        <td>{at('dateOfBirth') ? <span className="hidden-value">{t('error.fieldHidden')}</span> : t.date(node.dateOfBirth)}</td>
                        <td>{at('municipality') ? <span className="hidden-value">{t('error.fieldHidden')}</span> : (node.municipality?.name ?? '—')}</td>
                        {choose ? (
                          <td>
                            <a href={choose(node.id)}>
                              {t('pupils.table.choose')}
                              <span className="visually-hidden"> {name}</span>
                            </a>
                          </td>
                        ) : null}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager paging={paging} pageInfo={connection.pageInfo} totalCount={connection.totalCount} />
          </>
        )
      ) : null}
    </section>
  );
}

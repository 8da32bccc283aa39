// The referrals the caller's organisation sent or received. Filters live in the address
// (?direction=RECEIVED&status=ACCEPTED&urgency=URGENT&overdue=1&awaiting=1), so back, forward and
// bookmarks work; paging starts again at the first page whenever they change.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { navigate } from '../../app/router.tsx';
import type { ReferralDirection, ReferralFilter, ReferralStatus, Urgency } from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { SelectField } from '../../ui/Field.tsx';
import { Page } from '../../ui/Page.tsx';
import { ReferralResults } from './ReferralResults.tsx';
import { REFERRAL_STATUSES, URGENCIES } from './shared.tsx';

interface FilterValues {
  direction: ReferralDirection | '';
  status: ReferralStatus | '';
  urgency: Urgency | '';
  overdue: boolean;
  awaiting: boolean;
}

const DIRECTIONS: readonly ReferralDirection[] = ['RECEIVED', 'SENT'];

function oneOf<T extends string>(values: readonly T[], value: string | null): T | '' {
  return value && (values as readonly string[]).includes(value) ? (value as T) : '';
}

function readFilter(query: URLSearchParams): FilterValues {
  return {
    direction: oneOf(DIRECTIONS, query.get('direction')),
    status: oneOf(REFERRAL_STATUSES, query.get('status')),
    urgency: oneOf(URGENCIES, query.get('urgency')),
    overdue: query.get('overdue') === '1',
    awaiting: query.get('awaiting') === '1',
  };
}

function toApiFilter(values: FilterValues): ReferralFilter {
  const filter: ReferralFilter = {};
  if (values.direction) filter.direction = values.direction;
  if (values.status) filter.status = [values.status];
  if (values.urgency) filter.urgency = values.urgency;
  if (values.overdue) filter.overdue = true;
  if (values.awaiting) filter.awaitingMyDecision = true;
  return filter;
}

function toAddress(values: FilterValues) {
  return {
    direction: values.direction,
    status: values.status,
    urgency: values.urgency,
    overdue: values.overdue ? 1 : null,
    awaiting: values.awaiting ? 1 : null,
  };
}

export function ReferralsPage({ query }: PageProps) {
  const t = useT();
  const applied = readFilter(query);
  const appliedKey = JSON.stringify(applied);
  const [values, setValues] = useState<FilterValues>(applied);
  // The address is the truth: back and forward bring the form along.
  useEffect(() => setValues(JSON.parse(appliedKey) as FilterValues), [appliedKey]);
  const filtersHeading = useId();
  const overdueId = useId();
  const awaitingId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate('/referrals', toAddress(values));
  };
  const clear = () => navigate('/referrals');

  return (
    <Page title={t('referrals.title')}>
      <p>{t('referrals.intro')}</p>
      <h2 id={filtersHeading} className="visually-hidden">
        {t('referrals.filters')}
      </h2>
      <form className="filters" onSubmit={submit} aria-labelledby={filtersHeading}>
        <SelectField
          label={t('referrals.filter.direction')}
          value={values.direction}
          onChange={(event) => setValues({ ...values, direction: event.target.value as FilterValues['direction'] })}
          options={[
            { value: '', label: t('referrals.filter.directionAll') },
            ...DIRECTIONS.map((direction) => ({ value: direction, label: t.dynamic('referrals.filter.direction', direction) })),
          ]}
        />
        <SelectField
          label={t('referrals.filter.status')}
          value={values.status}
          onChange={(event) => setValues({ ...values, status: event.target.value as FilterValues['status'] })}
          options={[{ value: '', label: t('referrals.filter.statusAll') }, ...REFERRAL_STATUSES.map((status) => ({ value: status, label: t.dynamic('status', status) }))]}
        />
        <SelectField
          label={t('referrals.filter.urgency')}
          value={values.urgency}
          onChange={(event) => setValues({ ...values, urgency: event.target.value as FilterValues['urgency'] })}
          options={[{ value: '', label: t('referrals.filter.urgencyAll') }, ...URGENCIES.map((urgency) => ({ value: urgency, label: t.dynamic('urgency', urgency) }))]}
        />
        <div className="field">
          <div className="checkbox">
            <input type="checkbox" id={overdueId} checked={values.overdue} onChange={(event) => setValues({ ...values, overdue: event.target.checked })} />
            <label htmlFor={overdueId}>{t('referrals.filter.overdue')}</label>
          </div>
          <div className="checkbox">
            <input type="checkbox" id={awaitingId} checked={values.awaiting} onChange={(event) => setValues({ ...values, awaiting: event.target.checked })} />
            <label htmlFor={awaitingId}>{t('referrals.filter.awaiting')}</label>
          </div>
        </div>
        <div className="buttons">
          <button type="submit" className="primary">
            {t('referrals.filter.apply')}
          </button>
          <button type="button" onClick={clear}>
            {t('app.clearFilters')}
          </button>
        </div>
      </form>
      <ReferralResults filter={toApiFilter(applied)} caption={(count) => t('referrals.table.caption', { count })} empty={t('referrals.table.empty')} />
    </Page>
  );
}

// What the referrals and pupils pages share: the API's enum values, badges that say their status in
// words (never by colour alone), the referrals table, and the mapping of the hub's errors to fields.
import { useState, type RefObject } from 'react';
import { forbiddenAt, type ApiError, type ApiErrorEntry } from '../../api/client.ts';
import { Link } from '../../app/router.tsx';
import { ENUM_VALUES } from '../../gql/enums.ts';
import type { OrganisationKind, ReferralStatus, Urgency } from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { usePaging, type Paging } from '../../ui/Pager.tsx';
import './referrals.css';

export const REFERRAL_STATUSES = ENUM_VALUES.ReferralStatus;
export const URGENCIES = ENUM_VALUES.Urgency;
export const LEGAL_BASES = ENUM_VALUES.LegalBasis;
export const REJECTION_REASONS = ENUM_VALUES.RejectionReason;
export const DATA_CATEGORIES = ENUM_VALUES.DataCategory;

/** Page size of the lists. */
export const PAGE_SIZE = 20;

/** Whether every error of a refusal belongs to one of the form's fields (then no notice beside it). */
export function onlyFieldErrors(error: ApiError | null, fields: readonly string[]): boolean {
  if (!error) return false;
  const byField = error.fieldErrors();
  const named = Object.keys(byField);
  return named.length > 0 && named.every((field) => fields.includes(field)) && error.errors.length <= named.length;
}

/**
 * Cursor paging that starts again at the first page whenever `key` (the filter) changes, within the
 * same render: no request goes out with a cursor of the previous filter.
 */
export function useKeyedPaging(key: string): Paging {
  const paging = usePaging();
  const [seenKey, setSeenKey] = useState(key);
  if (seenKey !== key) {
    setSeenKey(key);
    paging.reset();
    return { ...paging, after: null, page: 1 };
  }
  return paging;
}

export function StatusBadge({ status }: { status: ReferralStatus }) {
  const t = useT();
  const tone = status === 'COMPLETED' ? ' badge-ok' : '';
  return <span className={`badge${tone}`}>{t.dynamic('status', status)}</span>;
}

export function UrgencyText({ urgency }: { urgency: Urgency | null }) {
  const t = useT();
  if (urgency === null) return <>{t('referrals.linkEnded')}</>;
  return urgency === 'URGENT' ? <span className="badge badge-urgent">{t('referrals.urgentBadge')}</span> : <>{t.dynamic('urgency', urgency)}</>;
}

export function OverdueBadge() {
  const t = useT();
  return <span className="badge badge-overdue">{t('referrals.overdueBadge')}</span>;
}

export interface ReferralRowData {
  id: string;
  status: ReferralStatus;
  urgency: Urgency | null;
  overdue: boolean;
  responseDueAt: string | null;
  createdAt: string;
  sender: { id: string; name: string; kind: OrganisationKind };
  receiver: { id: string; name: string; kind: OrganisationKind };
  pupil?: { id: string; displayName: string | null } | null;
  /** The most recent step, where the list asks for it. */
  latestEvent?: { occurredAt: string } | null;
}

/**
 * Referrals as a table. `pupilErrorPath(index)` gives the path of row `index`'s pupil name in the
 * response, to tell a name the hub withheld from one it does not have. Without `showPupil` (a
 * pupil's own page) the pupil column is left out.
 */
export function ReferralTable({
  caption,
  rows,
  ownOrganisationId,
  partialErrors = [],
  pupilErrorPath,
  showPupil = true,
}: {
  caption: string;
  rows: readonly ReferralRowData[];
  ownOrganisationId: string;
  partialErrors?: readonly ApiErrorEntry[];
  pupilErrorPath?: (index: number) => (string | number)[];
  showPupil?: boolean;
}) {
  const t = useT();
  return (
    <div className="table-scroll">
      <table className="referral-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            {showPupil ? <th scope="col">{t('referrals.table.pupil')}</th> : null}
            <th scope="col">{t('referrals.table.otherParty')}</th>
            <th scope="col">{t('referrals.table.status')}</th>
            <th scope="col">{t('referrals.table.urgency')}</th>
            <th scope="col">{t('referrals.table.deadline')}</th>
            <th scope="col">{t('referrals.table.created')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('referrals.table.open')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((referral, index) => {
            const sent = referral.sender.id === ownOrganisationId;
            const other = sent ? referral.receiver : referral.sender;
            const nameHidden = pupilErrorPath ? forbiddenAt(partialErrors, ...pupilErrorPath(index)) : false;
            const pupilName = referral.pupil?.displayName ?? null;
            return (
              <tr key={referral.id}>
                {showPupil ? (
                  <td>
                    {!referral.pupil ? (
                      <span className="muted">{t('referrals.pupilGone')}</span>
                    ) : (
                      <Link to={`/pupils/${referral.pupil.id}`}>{pupilName ?? (nameHidden ? t('error.fieldHidden') : referral.pupil.id)}</Link>
                    )}
                  </td>
                ) : null}
                <td>
                  {t(sent ? 'referrals.table.to' : 'referrals.table.from', { organisation: other.name })}
                  <br />
                  <span className="muted">{t.dynamic('kind', other.kind)}</span>
                </td>
                <td>
                  <StatusBadge status={referral.status} />
                  {referral.latestEvent ? (
                    <>
                      <br />
                      <span className="muted">{t('referrals.table.latestEvent', { when: t.dateTime(referral.latestEvent.occurredAt) })}</span>
                    </>
                  ) : null}
                </td>
                <td>
                  <UrgencyText urgency={referral.urgency} />
                </td>
                <td>
                  {t.dateTime(referral.responseDueAt)} {referral.overdue ? <OverdueBadge /> : null}
                </td>
                <td>{t.dateTime(referral.createdAt)}</td>
                <td>
                  <Link to={`/referrals/${referral.id}`}>
                    {t('referrals.table.open')}
                    <span className="visually-hidden"> {t('referrals.table.openFor', { pupil: pupilName ?? other.name })}</span>
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The announcement of an action's result: always in the page, so screen readers hear the change. */
export function StatusMessage({ message, focusRef }: { message: string | null; focusRef?: RefObject<HTMLDivElement | null> }) {
  return (
    <div role="status" ref={focusRef} tabIndex={-1} className={message ? 'notice notice-ok' : 'status-empty'}>
      {message ? <p>{message}</p> : null}
    </div>
  );
}

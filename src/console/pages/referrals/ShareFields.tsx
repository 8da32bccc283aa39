// The fields a new referral and a hand-over share: receiver, reason, urgency, the categories shared,
// the legal basis and, on consent, who gave it and for how long. The hub decides what may be shared;
// its refusals come back under the field they are about.
import { useId } from 'react';
import { useQuery } from '../../api/client.ts';
import { useSession } from '../../app/session.tsx';
import { ReferralReceiversDocument, type DataCategory, type LegalBasis, type Urgency } from '../../gql/graphql.ts';
import { useT, type Translate } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { CheckboxGroup, SelectField, TextArea, TextField, DateField } from '../../ui/Field.tsx';
import { DATA_CATEGORIES, LEGAL_BASES, URGENCIES } from './shared.tsx';

export interface ShareValue {
  receiverId: string;
  reason: string;
  urgency: Urgency;
  sharedCategories: DataCategory[];
  legalBasis: LegalBasis | '';
  consentGivenBy: string;
  consentValidFrom: string;
  consentValidUntil: string;
}

export const EMPTY_SHARE: ShareValue = {
  receiverId: '',
  reason: '',
  urgency: 'NORMAL',
  sharedCategories: ['REFERRAL'],
  legalBasis: '',
  consentGivenBy: '',
  consentValidFrom: '',
  consentValidUntil: '',
};

/** The input fields these controls fill, as the hub names them in `extensions.argument`. */
export const SHARE_FIELDS = [
  'receiverId',
  'reason',
  'urgency',
  'sharedCategories',
  'legalBasis',
  'consent',
  'consent.givenBy',
  'consent.validFrom',
  'consent.validUntil',
] as const;

/** What the form checks itself: a choice left at "make a choice" (an enum the hub cannot even parse). */
export function localShareErrors(value: ShareValue, t: Translate): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!value.receiverId) errors.receiverId = t('referrals.field.chooseRequired');
  if (!value.legalBasis) errors.legalBasis = t('referrals.field.chooseRequired');
  return errors;
}

/** The share part of CreateReferralInput and HandOverReferralInput. */
export function shareInput(value: ShareValue) {
  const legalBasis = value.legalBasis as LegalBasis;
  return {
    receiverId: value.receiverId,
    reason: value.reason,
    urgency: value.urgency,
    // REFERRAL is always shared with both parties.
    sharedCategories: [...new Set<DataCategory>(['REFERRAL', ...value.sharedCategories])],
    legalBasis,
    consent:
      legalBasis === 'CONSENT'
        ? { givenBy: value.consentGivenBy, validFrom: value.consentValidFrom, validUntil: value.consentValidUntil || null }
        : null,
  };
}

export function ShareFields({
  value,
  onChange,
  errors,
}: {
  value: ShareValue;
  onChange: (value: ShareValue) => void;
  errors: Record<string, string>;
}) {
  const t = useT();
  const { viewer } = useSession();
  const consentLegend = useId();
  const organisations = useQuery(ReferralReceiversDocument);
  const set = <K extends keyof ShareValue>(key: K, next: ShareValue[K]) => onChange({ ...value, [key]: next });
  const receivers = (organisations.data?.organisations.edges ?? []).map((edge) => edge.node).filter((org) => org.id !== viewer.organisation.id);
  const categories = DATA_CATEGORIES.filter((category) => viewer.readableCategories.includes(category));
  return (
    <>
      <ErrorNotice error={organisations.error} />
      <SelectField
        label={t('referrals.share.receiver')}
        hint={t('referrals.share.receiverHint')}
        error={errors.receiverId}
        required
        value={value.receiverId}
        onChange={(event) => set('receiverId', event.target.value)}
        options={[
          { value: '', label: t('referrals.field.choose') },
          ...receivers.map((org) => ({ value: org.id, label: t('referrals.share.receiverOption', { name: org.name, kind: t.dynamic('kind', org.kind) }) })),
        ]}
      />
      <TextArea
        label={t('referrals.share.reason')}
        hint={t('referrals.share.reasonHint')}
        error={errors.reason}
        required
        maxLength={2000}
        value={value.reason}
        onChange={(event) => set('reason', event.target.value)}
      />
      <SelectField
        label={t('referrals.share.urgency')}
        hint={t('referrals.share.urgencyHint')}
        error={errors.urgency}
        required
        value={value.urgency}
        onChange={(event) => set('urgency', event.target.value as Urgency)}
        options={URGENCIES.map((urgency) => ({ value: urgency, label: t.dynamic('urgency', urgency) }))}
      />
      <CheckboxGroup
        legend={t('referrals.share.categories')}
        hint={t('referrals.share.categoriesHint')}
        error={errors.sharedCategories}
        options={categories.map((category) => ({ value: category, label: t.dynamic('category', category), disabled: category === 'REFERRAL' }))}
        value={value.sharedCategories}
        onChange={(next) => set('sharedCategories', next as DataCategory[])}
      />
      <SelectField
        label={t('referrals.share.legalBasis')}
        hint={t('referrals.share.legalBasisHint')}
        error={errors.legalBasis}
        required
        value={value.legalBasis}
        onChange={(event) => set('legalBasis', event.target.value as LegalBasis)}
        options={[{ value: '', label: t('referrals.field.choose') }, ...LEGAL_BASES.map((basis) => ({ value: basis, label: t.dynamic('legalBasis', basis) }))]}
      />
      {value.legalBasis === 'CONSENT' ? (
        <fieldset className="consent" aria-describedby={errors.consent ? `${consentLegend}-error` : undefined}>
          <legend id={consentLegend}>{t('referrals.share.consent')}</legend>
          {errors.consent ? (
            <p className="field-error" id={`${consentLegend}-error`}>
              {errors.consent}
            </p>
          ) : null}
          <TextField
            label={t('referrals.share.consentGivenBy')}
            hint={t('referrals.share.consentGivenByHint')}
            error={errors['consent.givenBy']}
            required
            maxLength={200}
            value={value.consentGivenBy}
            onChange={(event) => set('consentGivenBy', event.target.value)}
          />
          <DateField
            label={t('referrals.share.consentValidFrom')}
            error={errors['consent.validFrom']}
            required
            value={value.consentValidFrom}
            onValue={(date) => set('consentValidFrom', date)}
          />
          <DateField
            label={t('referrals.share.consentValidUntil')}
            hint={t('referrals.share.consentValidUntilHint')}
            error={errors['consent.validUntil']}
            value={value.consentValidUntil}
            onValue={(date) => set('consentValidUntil', date)}
          />
        </fieldset>
      ) : null}
    </>
  );
}

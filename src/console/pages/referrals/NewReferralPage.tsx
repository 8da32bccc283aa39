// A new referral: first the pupil (found here, or preselected with ?pupil=<id>), then the receiver,
// what is shared and on which ground. The hub checks everything; its refusals go under the field
// they are about, the rest in a notice beside the form.
import { useRefusalFocus } from '../../ui/focus.ts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { PageProps } from '../../app/App.tsx';
import { forbiddenAt, useMutation, useQuery } from '../../api/client.ts';
import { href, Link, navigate } from '../../app/router.tsx';
import { CreateReferralDocument, ReferralPupilDocument } from '../../gql/graphql.ts';
import { useT } from '../../i18n/index.tsx';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { fieldErrorsOf } from '../../ui/errors.ts';
import { Hidden, Loading, Page } from '../../ui/Page.tsx';
import { PupilFinder } from '../pupils/PupilFinder.tsx';
import { EMPTY_SHARE, localShareErrors, SHARE_FIELDS, ShareFields, shareInput, type ShareValue } from './ShareFields.tsx';
import { onlyFieldErrors } from './shared.tsx';

export function NewReferralPage({ query }: PageProps) {
  const t = useT();
  const pupilId = query.get('pupil');
  const stepOne = useId();
  // The pupil the page opened with (?pupil=): then the page's heading keeps focus; a pupil chosen
  // here moves focus on to the form, as the link that chose it is gone.
  const openedWith = useRef(pupilId);
  return (
    <Page title={t('referrals.create.title')}>
      <p>{t('referrals.create.intro')}</p>
      <section aria-labelledby={stepOne}>
        <h2 id={stepOne}>{t('referrals.create.pupilStep')}</h2>
        {pupilId ? (
          <ChosenPupil key={pupilId} pupilId={pupilId} focusForm={pupilId !== openedWith.current} />
        ) : (
          <>
            <p>{t('referrals.create.choosePupil')}</p>
            <PupilFinder path="/referrals/new" query={query} choose={(id) => href('/referrals/new', { pupil: id })} headingLevel={3} />
          </>
        )}
      </section>
    </Page>
  );
}

function ChosenPupil({ pupilId, focusForm }: { pupilId: string; focusForm: boolean }) {
  const t = useT();
  const { data, error, loading, partialErrors } = useQuery(ReferralPupilDocument, { id: pupilId });
  if (loading && !data) return <Loading />;
  if (error && error.code !== 'BAD_USER_INPUT') return <ErrorNotice error={error} />;
  const pupil = data?.pupil;
  if (!pupil) {
    // Not visible (or not a pupil id at all): say so, and offer the search again.
    return (
      <>
        <p className="notice notice-warning">{t('referrals.create.pupilUnknown')}</p>
        <PupilFinder path="/referrals/new" query={new URLSearchParams()} choose={(id) => href('/referrals/new', { pupil: id })} headingLevel={3} />
      </>
    );
  }
  const nameHidden = forbiddenAt(partialErrors, ...['pupil', 'displayName']);
  return (
    <>
      <div className="chosen-pupil">
        <p>
          <strong>{t('referrals.create.pupilChosen')}:</strong>{' '}
          {nameHidden ? <Hidden /> : <Link to={`/pupils/${pupil.id}`}>{pupil.displayName ?? pupil.id}</Link>}
          {pupil.dateOfBirth ? <span className="muted"> ({t.date(pupil.dateOfBirth)})</span> : null}
        </p>
        <p>
          <Link to="/referrals/new">{t('referrals.create.otherPupil')}</Link>
        </p>
      </div>
      <CreateForm pupilId={pupil.id} focusOnMount={focusForm} />
    </>
  );
}

function CreateForm({ pupilId, focusOnMount }: { pupilId: string; focusOnMount: boolean }) {
  const t = useT();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const { form, refused } = useRefusalFocus();
  const [value, setValue] = useState<ShareValue>(EMPTY_SHARE);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [create, state, reset] = useMutation(CreateReferralDocument);
  useEffect(() => {
    if (focusOnMount) heading.current?.focus();
  }, [focusOnMount]);

  const errors = { ...fieldErrorsOf(t, state.error), ...local };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (state.running) return;
    const found = localShareErrors(value, t);
    setLocal(found);
    if (Object.keys(found).length > 0) {
      reset();
      refused();
      return;
    }
    const data = await create({ input: { pupilId, ...shareInput(value) } });
    if (data) navigate(`/referrals/${data.createReferral.id}`, { created: 1 });
    else refused();
  };
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {t('referrals.create.detailsStep')}
      </h2>
      <form ref={form} className="share-form" onSubmit={submit} noValidate aria-labelledby={headingId}>
        <ShareFields value={value} onChange={setValue} errors={errors} />
        {state.error && !onlyFieldErrors(state.error, SHARE_FIELDS) ? <ErrorNotice error={state.error} /> : null}
        <div className="form-actions">
          <button type="submit" className="primary" aria-disabled={state.running || undefined}>
            {state.running ? t('referrals.action.running') : t('referrals.create.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

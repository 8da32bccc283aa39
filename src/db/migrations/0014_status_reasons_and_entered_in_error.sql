-- FHIR Task's statusReason on every reasoned step (a code beside the free text), and the
-- entered-in-error status for a referral made by mistake (withdrawn by its sender before acceptance).
ALTER TABLE referrals DROP CONSTRAINT referrals_status_check;
ALTER TABLE referrals ADD CONSTRAINT referrals_status_check CHECK (status IN ('REQUESTED', 'RECEIVED', 'ACCEPTED',
  'REJECTED', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'FAILED', 'CANCELLED', 'ENTERED_IN_ERROR'));

ALTER TABLE referral_events DROP CONSTRAINT referral_events_reason_code_check;
ALTER TABLE referral_events ADD CONSTRAINT referral_events_reason_code_check CHECK (reason_code IN (
  'NOT_OUR_TASK', 'NO_CAPACITY', 'INSUFFICIENT_INFORMATION', 'ALREADY_INVOLVED', 'NO_CONSENT', 'OTHER',
  'WAITING_FOR_FAMILY', 'WAITING_FOR_PARTNER', 'PUPIL_UNREACHABLE', 'FAMILY_DECLINED',
  'NO_LONGER_NEEDED', 'FAMILY_MOVED', 'CONSENT_WITHDRAWN', 'BETTER_SUITED_PARTNER', 'SAFETY_CONCERN',
  'WRONG_PUPIL', 'WRONG_PARTNER', 'DUPLICATE', 'NOT_RECEIVED_IN_TIME'));

-- Earlier reasoned steps had only free text: their code is OTHER (an expiry: not received in time).
UPDATE referral_events SET reason_code = 'NOT_RECEIVED_IN_TIME' WHERE action = 'EXPIRE' AND reason_code IS NULL;
UPDATE referral_events SET reason_code = 'OTHER'
WHERE action IN ('REJECT', 'PUT_ON_HOLD', 'FAIL', 'CANCEL', 'HAND_OVER') AND reason_code IS NULL;

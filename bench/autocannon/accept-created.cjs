// autocannon: the acceptReferral of the referral the previous request created on this connection.
const ACCEPT = 'mutation Accept($input: ReferralActionInput!) { acceptReferral(input: $input) { id status version } }';
module.exports = function setupRequest(request, context) {
  if (!context.referral) return request; // the create failed: this accept fails too and is counted
  request.body = JSON.stringify({ query: ACCEPT, variables: { input: { referralId: context.referral.id, version: context.referral.version } } });
  return request;
};

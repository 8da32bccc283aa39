// autocannon (workers mode needs functions as files): keeps the referral a createReferral made, for
// the acceptReferral that follows on the same connection.
module.exports = function onResponse(status, body, context) {
  try {
    const created = JSON.parse(body).data.createReferral;
    context.referral = { id: created.id, version: created.version };
  } catch {
    context.referral = null;
  }
};

// autocannon (workers mode needs functions as files): a response counts only when it carries data.
// Field-level policy refusals inside an answer are part of the guarded answer; a request-level
// error (data null or missing) is a failure.
module.exports = function verifyBody(body) {
  try {
    const parsed = JSON.parse(body);
    return parsed.data !== null && typeof parsed.data === 'object';
  } catch {
    return false;
  }
};

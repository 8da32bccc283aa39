// The citizen service number (burgerservicenummer).

/** The Dutch 11-proof: sum of digit[i] * (9 - i) for i < 8, minus the last digit, divisible by 11. */
export function isValidBsn(bsn: string): boolean {
  if (!/^[0-9]{9}$/.test(bsn) || bsn === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(bsn[i]) * (9 - i);
  return (sum - Number(bsn[8])) % 11 === 0;
}

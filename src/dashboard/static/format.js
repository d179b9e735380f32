// @ts-check
// Number and time formatting for the page, in the reader's locale.
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'EUR',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const moneyShort = new Intl.NumberFormat(undefined, {
  style: 'currency',
  currency: 'EUR',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** @param {number} n */
export const fmtInt = (n) => integer.format(n);
/** @param {number} n */
export const fmtRate = (n) => decimal.format(n);
/** @param {number} n euros */
export const fmtMoney = (n) => money.format(n);
/** @param {number} n euros */
export const fmtMoneyShort = (n) => moneyShort.format(n);
/** @param {string | null | undefined} iso */
export const fmtDateTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '–');
/** @param {string | null | undefined} iso */
export const fmtDate = (iso) => (iso ? dateOnly.format(new Date(iso)) : '–');
/** @param {Date} date */
export const fmtTime = (date) => timeOnly.format(date);
/** @param {Date} date */
export const fmtClock = (date) => clock.format(date);

/**
 * "12 s ago", "5 min ago", "3 h ago", "4 days ago".
 * @param {string | null | undefined} iso
 * @param {number} [now] epoch ms
 */
export function fmtAgo(iso, now = Date.now()) {
  if (!iso) return 'never';
  return fmtSeconds(Math.max(0, (now - Date.parse(iso)) / 1000)) + ' ago';
}

/** @param {number} s */
export function fmtSeconds(s) {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)} h`;
  return `${integer.format(Math.round(s / 86400))} days`;
}

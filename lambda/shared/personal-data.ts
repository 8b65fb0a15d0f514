import { createHmac, hash } from 'node:crypto';

/**
 * Personal data a destination never receives in the clear unless its mapping says otherwise, by
 * property name, found anywhere in `visitor`, `user`, `event.event_properties` or
 * `event.default_properties`, at any depth (`personalDataDefault` says exactly which names match).
 * Identifiers advertising platforms match on are hashed; the rest are redacted. A bare `name` is
 * not on the list (events name products and pages too): map `visitor.name` explicitly. Besides
 * these, email addresses and phone numbers inside any other string are hashed where they stand
 * (`hashContactsInText`).
 */
export const PERSONAL_DATA_DEFAULTS: Readonly<Record<string, 'hash' | 'redact'>> = Object.freeze({
  email: 'hash',
  emails: 'hash',
  emailaddress: 'hash',
  emailaddresses: 'hash',
  phone: 'hash',
  phones: 'hash',
  phonenumber: 'hash',
  phonenumbers: 'hash',
  mobile: 'hash',
  mobilephone: 'hash',
  mobilenumber: 'hash',
  cellphone: 'hash',
  telephone: 'hash',
  telephonenumber: 'hash',
  tel: 'hash',
  firstname: 'hash',
  middlename: 'hash',
  lastname: 'hash',
  surname: 'hash',
  givenname: 'hash',
  familyname: 'hash',
  fullname: 'hash',
  dateofbirth: 'redact',
  dob: 'redact',
  birthdate: 'redact',
  birthday: 'redact',
  street: 'redact',
  streetaddress: 'redact',
  address: 'redact',
  addresses: 'redact',
  addressline: 'redact',
  addressline1: 'redact',
  addressline2: 'redact',
  postalcode: 'redact',
  postcode: 'redact',
  zip: 'redact',
  zipcode: 'redact',
  ip: 'redact',
  ipaddress: 'redact',
  ipv4: 'redact',
  ipv6: 'redact',
  ssn: 'redact',
  ssnlast4: 'redact',
  nationalid: 'redact',
  passport: 'redact',
  passportnumber: 'redact',
});

export type Kind = 'email' | 'phone' | 'name' | 'other';

const EMAIL_KEYS = new Set(['email', 'emails', 'emailaddress', 'emailaddresses']);
const PHONE_KEYS = new Set([
  'phone',
  'phones',
  'phonenumber',
  'phonenumbers',
  'mobile',
  'mobilephone',
  'mobilenumber',
  'cellphone',
  'telephone',
  'telephonenumber',
  'tel',
]);
const NAME_KEYS = new Set([
  'firstname',
  'middlename',
  'lastname',
  'surname',
  'givenname',
  'familyname',
  'fullname',
]);

/**
 * Words after a personal-data name that leave it personal data (`email_work`, `phone_2`): only
 * ranks and places. Any other word after it makes another property (`email_opt_in`, `address_count`).
 */
export const NAME_QUALIFIERS: ReadonlySet<string> = new Set([
  'primary',
  'secondary',
  'alt',
  'alternate',
  'alternative',
  'other',
  'home',
  'work',
  'personal',
  'private',
  'business',
  'main',
  'backup',
  'new',
  'old',
  'current',
  'previous',
]);

/** A property name as mapping rules and the personal-data list compare it. */
export const normaliseKey = (key: string): string => key.toLowerCase().replace(/[\s._-]/g, '');

/** What a property name means for the defaults and for hashing. */
export interface KeyInfo {
  /** `normaliseKey` of the name: what mapping rules match. */
  readonly normalised: string;
  /** The default for a property of this name, if it holds personal data. */
  readonly action: 'hash' | 'redact' | undefined;
  /** How a value under this name is normalised before hashing; undefined: by its shape. */
  readonly kind: Kind | undefined;
}

const MAX_TERM_LENGTH = Math.max(...Object.keys(PERSONAL_DATA_DEFAULTS).map((term) => term.length));
/** Only a name's last characters can end in a personal-data name: enough for the longest, qualifiers and digits. */
const NAME_TAIL = 64;

const isUpper = (code: number) => code >= 65 && code <= 90;
const isLower = (code: number) => code >= 97 && code <= 122;
const isDigit = (code: number) => code >= 48 && code <= 57;
const SEPARATOR = /[\s._-]/;

/**
 * A name's words, lower-cased: split at `_`, `-`, `.` and spaces, and at camelCase humps
 * (`billingPhone` → billing, phone; `IPAddress` → ip, address). Digits stay in their word
 * (`line1`). Of a name longer than `NAME_TAIL`, the words of its end only.
 */
function wordsOf(key: string): string[] {
  const text = key.length > NAME_TAIL ? key.slice(-NAME_TAIL) : key;
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isUpper(code) && !isLower(code) && !isDigit(code) && SEPARATOR.test(text[i])) {
      if (start !== -1) words.push(text.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    if (start !== -1 && isUpper(code)) {
      const previous = text.charCodeAt(i - 1);
      const hump =
        isLower(previous) || isDigit(previous) || (isUpper(previous) && isLower(text.charCodeAt(i + 1)));
      if (hump) {
        words.push(text.slice(start, i).toLowerCase());
        start = i;
      }
    }
    if (start === -1) start = i;
  }
  if (start !== -1) words.push(text.slice(start).toLowerCase());
  // The first word of a cut name may be the end of a longer one.
  if (text !== key) words.shift();
  return words;
}

const stripTrailingDigits = (word: string): string => word.replace(/\d+$/, '');

/**
 * The personal-data name a property name ends with, as whole words: its last words, once
 * qualifiers (`NAME_QUALIFIERS`) and numbers are set aside, joined, are on the list, with or
 * without the digits ending them (`email2`, `address_line1`). The longest such ending wins
 * (`work_email_address` is an email address, not an address).
 */
function personalTermOf(key: string): string | undefined {
  const words = wordsOf(key);
  let end = words.length;
  while (end > 0 && (NAME_QUALIFIERS.has(words[end - 1]) || /^\d+$/.test(words[end - 1]))) end--;
  let found: string | undefined;
  let joined = '';
  let joinedWithoutDigits = '';
  for (let i = end - 1; i >= 0; i--) {
    joined = words[i] + joined;
    joinedWithoutDigits = i === end - 1 ? stripTrailingDigits(joined) : words[i] + joinedWithoutDigits;
    if (joinedWithoutDigits.length > MAX_TERM_LENGTH) break;
    if (Object.hasOwn(PERSONAL_DATA_DEFAULTS, joined)) found = joined;
    else if (Object.hasOwn(PERSONAL_DATA_DEFAULTS, joinedWithoutDigits)) found = joinedWithoutDigits;
  }
  return found;
}

/** Property names seen, described: events repeat the same few names. Bounded. */
const infoByKey = new Map<string, KeyInfo>();
const MAX_REMEMBERED_KEYS = 10_000;
// A key can be as long as its event (1 MiB): only names this short are remembered, or the cache would hold gigabytes.
const MAX_REMEMBERED_KEY_LENGTH = 64;

function describeKey(key: string): KeyInfo {
  const term = personalTermOf(key);
  const normalised = key.length > MAX_REMEMBERED_KEY_LENGTH ? undefined : normaliseKey(key);
  const kind =
    term === undefined
      ? normalised === 'name'
        ? 'name'
        : undefined
      : EMAIL_KEYS.has(term)
        ? 'email'
        : PHONE_KEYS.has(term)
          ? 'phone'
          : NAME_KEYS.has(term)
            ? 'name'
            : undefined;
  const action = term === undefined ? undefined : PERSONAL_DATA_DEFAULTS[term];
  // A long name is normalised only if a rule asks: without rules, the defaults read its end only.
  if (normalised === undefined)
    return {
      get normalised() {
        return normaliseKey(key);
      },
      action,
      kind,
    };
  return { normalised, action, kind };
}

/** What a property name means (remembered for short names). */
export function keyInfo(key: string): KeyInfo {
  const known = infoByKey.get(key);
  if (known !== undefined) return known;
  const info = describeKey(key);
  if (key.length > MAX_REMEMBERED_KEY_LENGTH) return info;
  if (infoByKey.size >= MAX_REMEMBERED_KEYS) infoByKey.clear();
  infoByKey.set(key, info);
  return info;
}

/**
 * The default for a property name: that of the personal-data name it ends with as words, case
 * and separators ignored (`Billing-Phone`, `shippingAddress`, `email_2`); none for any other name.
 */
export const personalDataDefault = (key: string): 'hash' | 'redact' | undefined => keyInfo(key).action;

/** What a redacted value becomes. */
export const REDACTED = '[redacted]';

/**
 * A string that is an email address, whatever its property is called: hashed by default too.
 * Linear in the string's length: `/^\s*[^\s@]+@[^\s@]+\.[^\s@]+\s*$/`, the same test, backtracks
 * quadratically over a long domain full of dots (a 128 KB value took 30 s).
 */
export function looksLikeEmail(value: string): boolean {
  if (!value.includes('@')) return false;
  const domain = EMAIL_SHAPE.exec(value)?.[1];
  if (domain === undefined) return false;
  // A dot with something on each side of it.
  const dot = domain.indexOf('.', 1);
  return dot !== -1 && dot < domain.length - 1;
}
/** Local part, `@`, domain: no spaces or `@` in either, so nothing to backtrack over. */
const EMAIL_SHAPE = /^\s*[^\s@]+@([^\s@]+)\s*$/;

/** How a value is normalised before hashing: by its property name, else by its shape. */
export function kindOf(key: string, value: string): Kind {
  return keyInfo(key).kind ?? (value.includes('@') ? 'email' : 'other');
}

/**
 * The normalised form advertising platforms hash: trimmed; emails and names lower-cased; phone
 * numbers reduced to their digits with the country code (a leading `+` or international `00`
 * dropped): `+1 (555) 010-0200` and `001 555 010 0200` both become `15550100200`. A number given
 * without its country code cannot be completed here: send E.164.
 */
export function normaliseForHash(kind: Kind, value: string): string {
  const trimmed = value.trim();
  switch (kind) {
    case 'email':
    case 'name':
      return trimmed.toLowerCase();
    case 'phone':
      return trimmed.replace(/^00/, '').replace(/\D/g, '');
    default:
      return trimmed;
  }
}

export const sha256Hex = (text: string): string => hash('sha256', text);
export const hmacSha256Hex = (key: Buffer, text: string): string =>
  createHmac('sha256', key).update(text, 'utf8').digest('hex');

/** The lower-cased domain of an email address; null when the value is not one. */
export function emailDomain(value: string): string | null {
  const at = value.trim().lastIndexOf('@');
  const domain =
    at > 0
      ? value
          .trim()
          .slice(at + 1)
          .toLowerCase()
      : '';
  return domain.length > 0 ? domain : null;
}

// Free text: email addresses and phone numbers inside a longer string. Every scan below is one
// pass with bounded look-around (no regular expression that could backtrack), so a 1 MB value
// costs a few milliseconds at most.

const DOT = 46;
const DASH = 45;
const PLUS = 43;
const OPEN = 40;
const CLOSE = 41;
const SPACE = 32;
const isAlphanumeric = (code: number) => isDigit(code) || isUpper(code) || isLower(code);
/** `local@`: letters, digits and `.`, `_`, `%`, `+`, `-` (what addresses in running text use). */
const isLocalChar = (code: number) =>
  isAlphanumeric(code) || code === DOT || code === 95 || code === 37 || code === PLUS || code === DASH;
const isDomainChar = (code: number) => isAlphanumeric(code) || code === DOT || code === DASH;

/** Whether `text[start, end)` is a domain: two or more non-empty labels, the last of two or more letters. */
function isDomain(text: string, start: number, end: number): boolean {
  let labels = 0;
  let labelStart = start;
  let tldLetters = true;
  for (let i = start; i <= end; i++) {
    const code = i < end ? text.charCodeAt(i) : DOT;
    if (code !== DOT) {
      if (isDigit(code) || code === DASH) tldLetters = false;
      continue;
    }
    if (i === labelStart) return false;
    labels += 1;
    if (i < end) {
      labelStart = i + 1;
      tldLetters = true;
    }
  }
  return labels >= 2 && tldLetters && end - labelStart >= 2;
}

/** Where email addresses are in `text`, as [start, end) pairs in order. */
function emailRanges(text: string): number[] {
  const ranges: number[] = [];
  // No scan goes back past the previous `@` (neither part may contain one): each character is read at most twice.
  let floor = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', floor)) {
    let start = at;
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === DOT) start++;
    let end = at + 1;
    while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
    // A sentence's full stop, or a dash after the address, is not part of it.
    while (end > at + 1 && (text.charCodeAt(end - 1) === DOT || text.charCodeAt(end - 1) === DASH)) end--;
    if (start < at && isDomain(text, at + 1, end)) {
      ranges.push(start, end);
      floor = end;
    } else {
      floor = at + 1;
    }
  }
  return ranges;
}

/** Characters a phone number is written with, besides a leading `+`. */
const isPhoneChar = (code: number) =>
  isDigit(code) || code === SPACE || code === DASH || code === DOT || code === OPEN || code === CLOSE;
/** Just before a number, these make it part of something else: an id (`ORD-555…`), a path, an amount. */
const ATTACHED_BEFORE = new Set([...'_-./#=&?@$%+\\'].map((c) => c.charCodeAt(0)));
const ATTACHED_AFTER = new Set([...'_@%'].map((c) => c.charCodeAt(0)));
/** More digits than any phone number has: a longer run is something else (a card, a UUID), left whole. */
const MAX_PHONE_DIGITS = 15;
/** Fewer digits than any phone number written as `isPhoneNumber` accepts. */
const MIN_PHONE_DIGITS = 8;

/**
 * Whether `text[start, end)` (a run of phone characters from a digit, `+` or `(` to a digit) is a
 * phone number, by its digits and how they are grouped:
 * - international: `+` and 8 to 15 digits, groups separated by a space, `-`, `.` or parentheses
 *   (`+1 (555) 010-0200`, `+44 20 7946 0958`, `+33612345678`); or `00` and a country code
 *   (a first group of three or more, its third digit not 0) and 10 to 15 digits in all, in two or
 *   more groups all separated by the same space, `-` or `.` (`0044 20 7946 0958`);
 * - North American: 3-3-4 digits (area code 2-9…), optionally after `1`, all separated by the
 *   same space, `-` or `.`, or with the area code in parentheses (`(555) 010-0200`, `555.010.0200`);
 * - national with a trunk `0`: `0`, a non-zero digit and 10 or 11 digits in all, in two or more
 *   groups of two or more, all separated by the same space, `-` or `.`, the first group
 *   optionally in parentheses (`020 7946 0958`, `06 12 34 56 78`, `(030) 1234 5678`).
 * Digits alone (`5550100200`), dates, times, prices, card numbers and UUIDs are none of these.
 */
function isPhoneNumber(text: string, start: number, end: number): boolean {
  const international = text.charCodeAt(start) === PLUS;
  const groups: number[] = [];
  const separators: string[] = [];
  let digits = 0;
  let group = 0;
  let separator = '';
  for (let i = international ? start + 1 : start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      if (group === 0 && groups.length > 0) separators.push(separator);
      group += 1;
      digits += 1;
      if (digits > MAX_PHONE_DIGITS) return false;
      continue;
    }
    if (group > 0) {
      groups.push(group);
      group = 0;
      separator = '';
    }
    separator += text[i];
    if (separator.length > 2) return false;
  }
  groups.push(group);
  const leading = text.charCodeAt(start) === OPEN || (international && text.charCodeAt(start + 1) === OPEN);
  if (international)
    return digits >= 8 && separators.every((s) => s.replace(/[()]/g, '').length <= 1 && !/\(\(|\)\)/.test(s));
  const sameSeparator = (from: number) =>
    separators.slice(from).every((s) => s.length === 1 && s !== '(' && s !== ')' && s === separators[from]);
  const parenthesised = () =>
    leading && (separators[0] === ')' || separators[0] === ') ') && sameSeparator(1);
  const first = text.charCodeAt(leading ? start + 1 : start);
  const second = text.charCodeAt(leading ? start + 2 : start + 1);
  if (first === 48 && second === 48)
    return (
      !leading &&
      groups[0] >= 3 &&
      text.charCodeAt(start + 2) !== 48 &&
      digits >= 10 &&
      groups.length >= 2 &&
      sameSeparator(0)
    );
  if (first === 48)
    return (
      digits >= 10 &&
      digits <= 11 &&
      groups.length >= 2 &&
      groups.every((g) => g >= 2) &&
      (leading ? parenthesised() : sameSeparator(0))
    );
  const northAmerican =
    (digits === 10 && groups.join() === '3,3,4' && first >= 50) ||
    (digits === 11 && groups.join() === '1,3,3,4' && first === 49 && !leading);
  return northAmerican && (leading ? parenthesised() : sameSeparator(0));
}

/** Where phone numbers are in `text`, as [start, end) pairs in order, outside `skip` (pairs too). */
function phoneRanges(text: string, skip: readonly number[]): number[] {
  const ranges: number[] = [];
  const length = text.length;
  let skipped = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) {
      // `+`, `(` or `+(` just before a digit start a number too.
      if ((code !== PLUS && code !== OPEN) || i + 1 >= length) continue;
      const next = text.charCodeAt(i + 1);
      const digitAt = code === PLUS && next === OPEN ? i + 2 : i + 1;
      if (digitAt >= length || !isDigit(text.charCodeAt(digitAt))) continue;
    }
    let digits = 0;
    let lastDigit = i;
    let after = i;
    for (; after < length; after++) {
      const next = text.charCodeAt(after);
      if (isDigit(next)) {
        digits++;
        lastDigit = after;
      } else if (!isPhoneChar(next) && after > i) break;
    }
    const end = lastDigit + 1;
    if (digits >= MIN_PHONE_DIGITS) {
      const before = i > 0 ? text.charCodeAt(i - 1) : SPACE;
      const afterCode = end < length ? text.charCodeAt(end) : SPACE;
      while (skipped < skip.length && skip[skipped + 1] <= i) skipped += 2;
      const overlaps = skipped < skip.length && skip[skipped] < end;
      if (
        !overlaps &&
        !isAlphanumeric(before) &&
        !ATTACHED_BEFORE.has(before) &&
        !isAlphanumeric(afterCode) &&
        !ATTACHED_AFTER.has(afterCode) &&
        isPhoneNumber(text, i, end)
      )
        ranges.push(i, end);
    }
    i = after - 1;
  }
  return ranges;
}

const NONE: readonly number[] = [];

/**
 * `text` with each email address and phone number in it replaced by the SHA-256 hex of its
 * normalised value (as a property named `email` or `phone` would be hashed): the rest of the text
 * stays readable, and a hashed address still matches the same address hashed elsewhere. The same
 * string when there is none. Undefined as soon as the result would be longer than `maxLength`.
 */
export function hashContactsInText(text: string, maxLength: number): string | undefined {
  const emails = text.includes('@') ? emailRanges(text) : NONE;
  const phones = phoneRanges(text, emails);
  if (emails.length === 0 && phones.length === 0) return text;
  let out = '';
  let from = 0;
  let e = 0;
  let p = 0;
  while (e < emails.length || p < phones.length) {
    const isEmail = p >= phones.length || (e < emails.length && emails[e] < phones[p]);
    const [start, end] = isEmail ? [emails[e], emails[e + 1]] : [phones[p], phones[p + 1]];
    if (isEmail) e += 2;
    else p += 2;
    out +=
      text.slice(from, start) +
      sha256Hex(normaliseForHash(isEmail ? 'email' : 'phone', text.slice(start, end)));
    from = end;
    if (out.length > maxLength) return undefined;
  }
  out += text.slice(from);
  return out.length > maxLength ? undefined : out;
}

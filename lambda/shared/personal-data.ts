import { createHmac, hash } from 'node:crypto';

/**
 * Personal data a destination never receives in the clear unless its mapping says `keep`
 * (besides any string value shaped like an email address, which is hashed wherever it is):
 * property names (compared case-insensitively, ignoring `_`, `-`, `.` and spaces) found anywhere
 * in `visitor`, `user`, `event.event_properties` or `event.default_properties`, at any depth.
 * Identifiers advertising platforms match on are hashed; the rest are redacted. A bare `name` is
 * not on the list (events name products and pages too): map `visitor.name` explicitly.
 */
export const PERSONAL_DATA_DEFAULTS: Readonly<Record<string, 'hash' | 'redact'>> = Object.freeze({
  email: 'hash',
  emails: 'hash',
  emailaddress: 'hash',
  phone: 'hash',
  phones: 'hash',
  phonenumber: 'hash',
  mobile: 'hash',
  mobilephone: 'hash',
  firstname: 'hash',
  lastname: 'hash',
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
  addressline1: 'redact',
  addressline2: 'redact',
  postalcode: 'redact',
  postcode: 'redact',
  zip: 'redact',
  zipcode: 'redact',
  ip: 'redact',
  ipaddress: 'redact',
  ssn: 'redact',
  nationalid: 'redact',
  passportnumber: 'redact',
});

/** A property name as the personal-data list compares it. */
export const normaliseKey = (key: string): string => key.toLowerCase().replace(/[\s._-]/g, '');

/** Property names seen, with their default: events repeat the same few names. Bounded. */
const defaultsByKey = new Map<string, 'hash' | 'redact' | undefined>();
const MAX_REMEMBERED_KEYS = 10_000;
// A key can be as long as its event (1 MiB): only names this short are remembered, or the cache would hold gigabytes.
const MAX_REMEMBERED_KEY_LENGTH = 64;

export function personalDataDefault(key: string): 'hash' | 'redact' | undefined {
  const known = defaultsByKey.get(key);
  if (known !== undefined || defaultsByKey.has(key)) return known;
  const action = Object.hasOwn(PERSONAL_DATA_DEFAULTS, normaliseKey(key))
    ? PERSONAL_DATA_DEFAULTS[normaliseKey(key)]
    : undefined;
  if (key.length > MAX_REMEMBERED_KEY_LENGTH) return action;
  if (defaultsByKey.size >= MAX_REMEMBERED_KEYS) defaultsByKey.clear();
  defaultsByKey.set(key, action);
  return action;
}

/** What a redacted value becomes. */
export const REDACTED = '[redacted]';

type Kind = 'email' | 'phone' | 'name' | 'other';

const EMAIL_KEYS = new Set(['email', 'emails', 'emailaddress']);
const PHONE_KEYS = new Set(['phone', 'phones', 'phonenumber', 'mobile', 'mobilephone']);

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
const NAME_KEYS = new Set(['firstname', 'lastname', 'givenname', 'familyname', 'fullname', 'name']);

/** How a value is normalised before hashing: by its property name, else by its shape. */
export function kindOf(key: string, value: string): Kind {
  const normalised = normaliseKey(key);
  if (EMAIL_KEYS.has(normalised)) return 'email';
  if (PHONE_KEYS.has(normalised)) return 'phone';
  if (NAME_KEYS.has(normalised)) return 'name';
  return value.includes('@') ? 'email' : 'other';
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

import { createHash, createHmac } from 'node:crypto';
import {
  compileMapping,
  type DataMapping,
  DataMappingSchema,
  MappingKeyMissingError,
} from '../../lambda/shared/data-mapping';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';
import { normaliseForHash, REDACTED } from '../../lambda/shared/personal-data';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const mapping = (input: unknown): DataMapping => DataMappingSchema.parse(input);

const payload = (): DeliveredPayload => ({
  event: {
    event: 'Order Completed',
    distinct_id: 'evt_1',
    time: 1732300000000,
    event_properties: {
      order_id: 'o-1',
      total: 99.5,
      shipping: { street: '1 Main St', city: 'Lisbon', Zip: '1000-001' },
      contacts: [{ email: 'A@Example.com' }, { email: ' b@example.com ' }],
      tags: ['x', 'y'],
    },
    default_properties: { ip: '203.0.113.7', path: '/checkout' },
  },
  visitor: {
    visitor_id: 'v1',
    Email: '  Jane.Doe@Example.COM ',
    phone_number: '+1 (555) 010-0200',
    first_name: ' Jane ',
    last_name: 'Doe',
    date_of_birth: '1990-01-01',
    postal_code: '94107',
    city: 'Austin',
    emails: ['X@example.com', null],
    age: 34,
  },
  user: {
    external_id: 'u-1',
    'e-mail': 'JANE@example.com',
    mobile: '00 44 20 7946 0958',
    company_name: 'Acme',
  },
});

describe('the privacy-safe defaults (no mapping)', () => {
  const out = compileMapping(undefined).apply(payload());

  it('hashes emails, phone numbers and names, normalised as advertising platforms expect, wherever they appear', () => {
    expect(out.visitor.Email).toBe(sha('jane.doe@example.com'));
    expect(out.visitor.phone_number).toBe(sha('15550100200'));
    expect(out.visitor.first_name).toBe(sha('jane'));
    expect(out.visitor.last_name).toBe(sha('doe'));
    expect(out.user?.['e-mail']).toBe(sha('jane@example.com'));
    expect(out.user?.mobile).toBe(sha('442079460958'));
    expect(out.event.event_properties?.contacts).toEqual([
      { email: sha('a@example.com') },
      { email: sha('b@example.com') },
    ]);
    expect(out.visitor.emails).toEqual([sha('x@example.com'), null]);
  });

  it('redacts birth dates, addresses, postal codes and IP addresses, nested ones too', () => {
    expect(out.visitor.date_of_birth).toBe(REDACTED);
    expect(out.visitor.postal_code).toBe(REDACTED);
    expect(out.event.default_properties?.ip).toBe(REDACTED);
    expect(out.event.event_properties?.shipping).toEqual({ street: REDACTED, city: 'Lisbon', Zip: REDACTED });
  });

  it('sends everything else as it came, and the ids consumers deduplicate on unchanged', () => {
    expect(out.event).toMatchObject({ event: 'Order Completed', distinct_id: 'evt_1', time: 1732300000000 });
    expect(out.event.event_properties).toMatchObject({ order_id: 'o-1', total: 99.5, tags: ['x', 'y'] });
    expect(out.visitor).toMatchObject({ visitor_id: 'v1', city: 'Austin', age: 34 });
    expect(out.user).toMatchObject({ external_id: 'u-1', company_name: 'Acme' });
    expect(JSON.stringify(out)).not.toMatch(/jane|doe|example\.com|555|1990|94107|203\.0\.113/i);
  });

  it('hashes a value shaped like an email address whatever its property is called', () => {
    const input = payload();
    input.event.event_properties = { contact: ' Someone@Example.com ', note: 'not @ an email' };

    expect(compileMapping(undefined).apply(input).event.event_properties).toEqual({
      contact: sha('someone@example.com'),
      note: 'not @ an email',
    });
  });

  it('treats property names that match Object.prototype members (Constructor, toString) as ordinary data', () => {
    const input = payload();
    input.event.event_properties = { Constructor: 'c', toString: 't', __defineGetter__: 'g' };

    expect(compileMapping(undefined).apply(input).event.event_properties).toEqual({
      Constructor: 'c',
      toString: 't',
      __defineGetter__: 'g',
    });
  });

  it('leaves a null user null and the input untouched', () => {
    const input = { ...payload(), user: null };
    const before = JSON.stringify(input);

    expect(compileMapping(undefined).apply(input).user).toBeNull();
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('a mapping', () => {
  it('keeps, renames and modifies the properties it names, over the defaults', () => {
    const compiled = compileMapping(
      mapping({
        properties: {
          'visitor.Email': 'keep',
          'visitor.first_name': { rename: 'given_name' },
          'visitor.last_name': 'drop',
          'visitor.city': 'redact',
          'visitor.age': 'null',
          'user.e-mail': 'domain_only',
          'event.event_properties.total': { action: 'keep', rename: 'amount' },
          'event.event_properties.shipping.city': 'hash',
          'event.event_properties.tags': 'hash',
        },
      }),
    );

    const out = compiled.apply(payload());

    expect(out.visitor.Email).toBe('  Jane.Doe@Example.COM ');
    expect(out.visitor.given_name).toBe(' Jane ');
    expect(out.visitor).not.toHaveProperty('first_name');
    expect(out.visitor).not.toHaveProperty('last_name');
    expect(out.visitor.city).toBe(REDACTED);
    expect(out.visitor.age).toBeNull();
    expect(out.user?.['e-mail']).toBe('example.com');
    expect(out.event.event_properties).toMatchObject({ amount: 99.5 });
    expect(out.event.event_properties).not.toHaveProperty('total');
    expect(out.event.event_properties?.shipping).toEqual({
      street: REDACTED,
      city: sha('Lisbon'),
      Zip: REDACTED,
    });
    expect(out.event.event_properties?.tags).toEqual([sha('x'), sha('y')]);
    // Not named: the defaults still apply.
    expect(out.visitor.phone_number).toBe(sha('15550100200'));
  });

  it('sends only what it lists in listed mode, and the ids always', () => {
    const out = compileMapping(
      mapping({
        mode: 'listed',
        properties: {
          'event.event_properties.order_id': 'keep',
          'visitor.Email': 'hash',
          'event.event_properties.shipping.city': 'keep',
        },
      }),
    ).apply(payload());

    expect(out).toEqual({
      event: {
        event: 'Order Completed',
        distinct_id: 'evt_1',
        time: 1732300000000,
        event_properties: { order_id: 'o-1', shipping: { city: 'Lisbon' } },
        default_properties: {},
      },
      visitor: { Email: sha('jane.doe@example.com'), visitor_id: 'v1' },
      user: {},
    });
  });

  it('renames allowed events and applies per-event overrides over the common rules', () => {
    const compiled = compileMapping(
      mapping({
        events: { 'order completed': 'order_completed' },
        properties: { 'visitor.city': 'drop' },
        overrides: { 'ORDER COMPLETED': { 'visitor.city': 'keep' } },
      }),
    );

    const order = compiled.apply(payload());
    const page = compiled.apply({ ...payload(), event: { ...payload().event, event: 'Page Viewed' } });

    expect(order.event.event).toBe('order_completed');
    expect(order.visitor.city).toBe('Austin');
    expect(page.event.event).toBe('Page Viewed');
    expect(page.visitor).not.toHaveProperty('city');
  });

  it('skips paths the event does not have', () => {
    const out = compileMapping(
      mapping({ properties: { 'visitor.nowhere.deep': 'hash', 'user.x': 'keep' } }),
    ).apply({
      ...payload(),
      user: null,
    });

    expect(out.visitor).not.toHaveProperty('nowhere');
    expect(out.user).toBeNull();
  });

  it('pseudonymises with the workspace key (hmac), and refuses to compile without it', () => {
    const key = Buffer.alloc(32, 7);
    const rules = mapping({ properties: { 'visitor.Email': 'hmac', 'visitor.age': 'hmac' } });

    const out = compileMapping(rules, key).apply(payload());

    const hmac = (text: string) => createHmac('sha256', key).update(text).digest('hex');
    expect(out.visitor.Email).toBe(hmac('jane.doe@example.com'));
    expect(out.visitor.age).toBe(hmac('34'));
    expect(() => compileMapping(rules)).toThrow(MappingKeyMissingError);
  });

  it('refuses rules on the ids consumers deduplicate on, and paths outside the payload, naming them', () => {
    expect(
      DataMappingSchema.safeParse({ properties: { 'visitor.visitor_id': 'hash' } }).error?.issues[0].message,
    ).toMatch(/always goes out unchanged/);
    expect(DataMappingSchema.safeParse({ properties: { 'event.distinct_id': 'hash' } }).success).toBe(false);
    expect(DataMappingSchema.safeParse({ properties: { 'visitor.Email': 'encrypt' } }).success).toBe(false);
    expect(DataMappingSchema.safeParse({ mode: 'some' }).success).toBe(false);
  });
});

describe('normalisation before hashing', () => {
  it.each([
    ['email', '  Mixed.Case@Example.COM\t', 'mixed.case@example.com'],
    ['phone', '+44 20 7946 0958', '442079460958'],
    ['phone', '0044 (20) 7946-0958', '442079460958'],
    ['phone', '+81-3-1234-5678', '81312345678'],
    ['name', '  Zoë ', 'zoë'],
    ['other', '  keep Case ', 'keep Case'],
  ] as const)('%s %j → %j', (kind, value, normalised) => {
    expect(normaliseForHash(kind, value)).toBe(normalised);
  });
});

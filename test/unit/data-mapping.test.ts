import { createHash, createHmac } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  compileMapping,
  type DataMapping,
  DataMappingSchema,
  MAPPING_LIMITS,
  MappingKeyMissingError,
  MappingLimitError,
} from '../../lambda/shared/data-mapping';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';
import * as personalData from '../../lambda/shared/personal-data';
import { looksLikeEmail, normaliseForHash, REDACTED } from '../../lambda/shared/personal-data';

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

describe('mapping limits: bounded work per event', () => {
  const defaults = compileMapping(undefined);
  /** An event of the seed format with these visitor properties, event properties and user. */
  const eventWith = (
    visitor: Record<string, unknown>,
    eventProperties?: Record<string, unknown>,
    user: Record<string, unknown> | null = null,
  ): DeliveredPayload => ({
    event: {
      event: 'Order Completed',
      distinct_id: 'evt_1',
      ...(eventProperties && { event_properties: eventProperties }),
    },
    visitor: { visitor_id: 'v1', ...visitor },
    user,
  });
  /** Objects nested `levels` deep, the outermost included. */
  const nested = (levels: number): Record<string, unknown> =>
    levels <= 1 ? { first_name: 'Jane' } : { inner_secret_name: nested(levels - 1) };
  const limitOf = (run: () => unknown): MappingLimitError => {
    try {
      run();
    } catch (error) {
      if (error instanceof MappingLimitError) return error;
      throw error;
    }
    throw new Error('no mapping limit was reached');
  };
  afterEach(() => jest.restoreAllMocks());

  it('maps the largest legitimate events: a 1 MB string, 20,000 hashed emails, 50,000 values, 32 levels', () => {
    const blob = defaults.apply(eventWith({}, { blob: 'x'.repeat(1_000_000) }));
    const emails = defaults.apply(
      eventWith({ email: Array.from({ length: 20_000 }, (_, i) => `person${i}@example.com`) }),
    );
    const items = Array.from({ length: 5_000 }, (_, i) => ({
      sku: `sku-${i}`,
      price: i,
      qty: 1,
      tags: ['a', 'b'],
    }));

    expect(blob.event.event_properties?.blob).toHaveLength(1_000_000);
    expect(emails.visitor.email).toHaveLength(20_000);
    expect((emails.visitor.email as string[])[0]).toBe(sha('person0@example.com'));
    expect(defaults.apply(eventWith({}, { items })).event.event_properties?.items).toEqual(items);
    expect(() => defaults.apply(eventWith({}, nested(MAPPING_LIMITS.maxDepth)))).not.toThrow();
  });

  it('stops an event whose mapped output would pass maxMappedBytes while walking it: 400,000 zeros under email', () => {
    const hashes = jest.spyOn(personalData, 'sha256Hex');

    const error = limitOf(() => defaults.apply(eventWith({ email: new Array(400_000).fill(0) })));

    expect(error).toMatchObject({ limit: 'maxMappedBytes', max: MAPPING_LIMITS.maxMappedBytes });
    // Each hash adds 64 characters: the walk stopped at the budget, long before the 400,000th.
    expect(hashes.mock.calls.length).toBeLessThan(MAPPING_LIMITS.maxMappedBytes / 64);
    expect(hashes.mock.calls.length).toBeGreaterThan(MAPPING_LIMITS.maxMappedBytes / 100);
  });

  it('counts output produced by rules, and strings passed on as they came, towards maxMappedBytes', () => {
    const rules = compileMapping(mapping({ properties: { 'visitor.codes': 'hmac' } }), Buffer.alloc(32, 1));
    const blobs = ['a', 'b', 'c'].map((letter) => letter.repeat(800_000));

    expect(limitOf(() => rules.apply(eventWith({ codes: new Array(50_000).fill(1) }))).limit).toBe(
      'maxMappedBytes',
    );
    expect(limitOf(() => defaults.apply(eventWith({}, { blobs }))).limit).toBe('maxMappedBytes');
  });

  it('counts the values of all roots together towards maxValues, skipped ones too', () => {
    const half = new Array(60_000).fill(1);
    const listed = compileMapping(mapping({ mode: 'listed', properties: { 'visitor.city': 'keep' } }));
    const manyKeys = Object.fromEntries(Array.from({ length: 100_001 }, (_, i) => [`k${i}`, 1]));

    expect(() => defaults.apply(eventWith({}, { items: half }))).not.toThrow();
    expect(() => defaults.apply(eventWith({}, undefined, { items: half }))).not.toThrow();
    expect(limitOf(() => defaults.apply(eventWith({}, { items: half }, { items: half }))).limit).toBe(
      'maxValues',
    );
    expect(limitOf(() => listed.apply(eventWith(manyKeys))).limit).toBe('maxValues');
  });

  it('stops nesting deeper than maxDepth, in the defaults and under a rule', () => {
    const hashDeep = compileMapping(mapping({ properties: { 'event.event_properties.deep': 'hash' } }));
    let arrays: unknown = [1];
    for (let i = 0; i < 40; i++) arrays = [arrays];

    expect(limitOf(() => defaults.apply(eventWith({}, nested(MAPPING_LIMITS.maxDepth + 1)))).limit).toBe(
      'maxDepth',
    );
    expect(limitOf(() => defaults.apply(eventWith({ list: arrays }))).limit).toBe('maxDepth');
    expect(limitOf(() => hashDeep.apply(eventWith({}, { deep: nested(40) }))).limit).toBe('maxDepth');
  });

  it('names only the limit and its value, never a property name or value', () => {
    const secret = 'jane.doe.secret@example.com';
    const errors = [
      limitOf(() => defaults.apply(eventWith({ email_of_jane_doe: new Array(40_000).fill(secret) }))),
      limitOf(() => defaults.apply(eventWith({ jane_doe_items: new Array(100_001).fill(7) }))),
      limitOf(() => defaults.apply(eventWith({ jane_doe_nest: nested(40) }))),
    ];

    expect(errors.map((e) => e.message)).toEqual([
      `mapping limit maxMappedBytes exceeded: the mapped event would be larger than ${MAPPING_LIMITS.maxMappedBytes} bytes`,
      `mapping limit maxValues exceeded: the event has more than ${MAPPING_LIMITS.maxValues} values to map`,
      `mapping limit maxDepth exceeded: the event is nested deeper than ${MAPPING_LIMITS.maxDepth} levels`,
    ]);
    for (const error of errors)
      expect(error.message).not.toMatch(/jane|doe|secret|example\.com|inner_|first_name/i);
  });

  it('gives each event a budget of its own', () => {
    const third = new Array(40_000).fill(1);
    for (let i = 0; i < 5; i++) expect(() => defaults.apply(eventWith({}, { third }))).not.toThrow();
    limitOf(() => defaults.apply(eventWith({ email: new Array(400_000).fill(0) })));

    expect(defaults.apply(payload()).visitor.Email).toBe(sha('jane.doe@example.com'));
  });
});

describe('personal-data checks stay linear and bounded, whatever the event', () => {
  it('tells an email address apart in linear time: a long domain full of dots took seconds', () => {
    const dots = `a@${'.a'.repeat(30_000)} x`;
    const started = performance.now();

    expect(looksLikeEmail(dots)).toBe(false);
    expect(looksLikeEmail(`a@${'b.'.repeat(30_000)}c`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(250);
    expect(['a@b.c', ' A@Example.com\t', 'x@y.z.w'].map(looksLikeEmail)).toEqual([true, true, true]);
    expect(['a@b.', 'a@.b', 'a@b', '@b.c', 'a@@b.c', 'a b@c.d', 'a@b c.d'].map(looksLikeEmail)).toEqual(
      new Array(7).fill(false),
    );
  });

  it('does not remember long property names: each event could otherwise leave 1 MB behind', () => {
    setFlagsFromString('--expose-gc');
    // Twice: the first collection leaves what dead objects' shapes still name (their keys).
    const gc = runInNewContext('gc') as () => void;
    const collect = () => {
      gc();
      gc();
    };
    collect();
    const before = process.memoryUsage().heapUsed;

    const defaults = compileMapping(undefined);
    for (let i = 0; i < 40; i++) {
      defaults.apply({ ...payload(), visitor: { visitor_id: 'v1', [`${i}${'k'.repeat(1_000_000)}`]: 1 } });
    }
    collect();

    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20 * 1_048_576);
  });
});

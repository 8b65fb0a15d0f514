import { createHash, createHmac } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  compileMapping,
  type DataMapping,
  DataMappingSchema,
  MAPPING_ACTIONS,
  MAPPING_LIMITS,
  MappingKeyMissingError,
  MappingLimitError,
} from '../../lambda/shared/data-mapping';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';
import * as personalData from '../../lambda/shared/personal-data';
import {
  hashContactsInText,
  looksLikeEmail,
  normaliseForHash,
  REDACTED,
} from '../../lambda/shared/personal-data';

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

/** An event with these visitor properties and event properties, and no user. */
const eventOf = (
  visitor: Record<string, unknown>,
  eventProperties?: Record<string, unknown>,
): DeliveredPayload => ({
  event: {
    event: 'Signed Up',
    distinct_id: 'evt_1',
    ...(eventProperties && { event_properties: eventProperties }),
  },
  visitor: { visitor_id: 'v1', ...visitor },
  user: null,
});
const KEY = Buffer.alloc(32, 9);

describe('rules match property names as the defaults do: case and _ - . spaces ignored', () => {
  const EMAIL = ' Jane.Doe@Example.COM ';
  const rulesFor = (path: string, action: (typeof MAPPING_ACTIONS)[number]) =>
    compileMapping(mapping({ properties: { [path]: action } }), KEY);

  describe.each([
    ['visitor.email', 'email', ['Email', 'EMAIL', 'e-mail', 'E_Mail', 'e.mail', 'E Mail'], EMAIL],
    ['visitor.ssn_last4', 'ssn_last4', ['SSN_last4', 'ssnLast4', 'SSN-LAST4', 'ssnlast4'], '6789'],
    ['visitor.loyalty_tier', 'loyalty_tier', ['LoyaltyTier', 'loyalty-tier', 'LOYALTY_TIER'], 'gold'],
  ])('a rule on %s', (path, exact, variants, value) => {
    it.each(MAPPING_ACTIONS)(
      '%s: every variant of the name gets exactly what the ruled name gets',
      (action) => {
        const compiled = rulesFor(path, action);
        const ruled = compiled.apply(eventOf({ [exact]: value })).visitor;

        for (const variant of variants) {
          const out = compiled.apply(eventOf({ [variant]: value })).visitor;
          if (action === 'drop') expect(out).not.toHaveProperty([variant]);
          else expect(out[variant]).toEqual(ruled[exact]);
        }
        expect(ruled[exact]).toEqual(
          {
            keep: value,
            hash: action === 'hash' && exact === 'email' ? sha('jane.doe@example.com') : sha(value.trim()),
            hmac: createHmac('sha256', KEY)
              .update(exact === 'email' ? 'jane.doe@example.com' : value)
              .digest('hex'),
            redact: REDACTED,
            null: null,
            drop: undefined,
            domain_only: exact === 'email' ? 'example.com' : null,
          }[action],
        );
      },
    );
  });

  it('an hmac rule on email is not downgraded to the default plain SHA-256 for Email (issue #21)', () => {
    const out = rulesFor('visitor.email', 'hmac').apply(eventOf({ Email: EMAIL })).visitor;

    expect(out.Email).toBe(createHmac('sha256', KEY).update('jane.doe@example.com').digest('hex'));
    expect(out.Email).not.toBe(sha('jane.doe@example.com'));
  });

  it('normalises a rule path key by key, nested ones and event properties too', () => {
    const compiled = compileMapping(
      mapping({ properties: { 'event.event_properties.Shipping_Info.Card-Holder': 'drop' } }),
    );

    const out = compiled.apply(
      eventOf(
        {},
        { shippingInfo: { cardHolder: 'Jane Doe', carrier: 'ups' }, SHIPPING_INFO: { card_holder: 'J' } },
      ),
    );

    expect(out.event.event_properties).toEqual({ shippingInfo: { carrier: 'ups' }, SHIPPING_INFO: {} });
  });

  it('gives every key of one object that names a ruled property the rule, and the rename to one of them', () => {
    const values = { Email: 'A@x.io', email: 'b@x.io', EMAIL: 'c@x.io' };
    const hmac = (text: string) => createHmac('sha256', KEY).update(text).digest('hex');
    const apply = (rule: unknown, visitor: Record<string, unknown>) =>
      compileMapping(mapping({ properties: { 'visitor.email': rule } }), KEY).apply(eventOf(visitor)).visitor;

    expect(apply('hmac', values)).toEqual({
      visitor_id: 'v1',
      Email: hmac('a@x.io'),
      email: hmac('b@x.io'),
      EMAIL: hmac('c@x.io'),
    });
    expect(apply('drop', values)).toEqual({ visitor_id: 'v1' });
    // The key spelt as the rule spells it takes the rename; the others keep their names, hashed all the same.
    expect(apply({ action: 'hash', rename: 'contact' }, values)).toEqual({
      visitor_id: 'v1',
      Email: sha('a@x.io'),
      contact: sha('b@x.io'),
      EMAIL: sha('c@x.io'),
    });
    // None spelt so: the first one met takes it.
    expect(apply({ action: 'hash', rename: 'contact' }, { EMAIL: 'c@x.io', Email: 'A@x.io' })).toEqual({
      visitor_id: 'v1',
      contact: sha('c@x.io'),
      Email: sha('a@x.io'),
    });
  });

  it('keeps the rename target as written', () => {
    const out = compileMapping(
      mapping({ properties: { 'visitor.Order_Total': { action: 'keep', rename: 'Amount_EUR' } } }),
    ).apply(eventOf({ orderTotal: 12 }));

    expect(out.visitor).toEqual({ visitor_id: 'v1', Amount_EUR: 12 });
  });

  it('sends the variants of a listed property in listed mode, with its rule', () => {
    const out = compileMapping(
      mapping({ mode: 'listed', properties: { 'visitor.email': 'hash', 'visitor.city': 'keep' } }),
    ).apply(eventOf({ EMAIL: EMAIL, City: 'Lima', age: 3 }));

    expect(out.visitor).toEqual({ visitor_id: 'v1', EMAIL: sha('jane.doe@example.com'), City: 'Lima' });
  });

  it("lets an event's override replace a common rule spelt differently", () => {
    const compiled = compileMapping(
      mapping({
        properties: { 'visitor.email': 'hash' },
        overrides: { 'signed up': { 'visitor.E-Mail': 'keep' } },
      }),
    );

    expect(compiled.apply(eventOf({ Email: EMAIL })).visitor.Email).toBe(EMAIL);
    expect(
      compiled.apply({ ...eventOf({ Email: EMAIL }), event: { event: 'Other', distinct_id: 'e' } }).visitor
        .Email,
    ).toBe(sha('jane.doe@example.com'));
  });

  it('refuses two rules of one set naming the same property, and applies the stricter of a stored pair', () => {
    const issues = DataMappingSchema.safeParse({
      properties: { 'visitor.email': 'hash', 'visitor.Email': 'keep' },
      overrides: { x: { 'user.first_name': 'keep', 'user.firstName': 'drop' } },
    }).error?.issues;

    expect(issues?.map((i) => [i.path.join(' '), i.message])).toEqual([
      [
        'properties visitor.Email',
        'names the same property as "visitor.email" (names match ignoring case and _ - . spaces)',
      ],
      [
        'overrides x user.firstName',
        'names the same property as "user.first_name" (names match ignoring case and _ - . spaces)',
      ],
    ]);
    // A version stored before this check: whichever order, the rule withholding more applies.
    for (const properties of [
      { 'visitor.email': 'keep', 'visitor.Email': 'hash' },
      { 'visitor.Email': 'hash', 'visitor.email': 'keep' },
    ] as const) {
      const out = compileMapping({ mode: 'all', properties }).apply(eventOf({ email: EMAIL, EMAIL: EMAIL }));
      expect(out.visitor).toEqual({
        visitor_id: 'v1',
        email: sha('jane.doe@example.com'),
        EMAIL: sha('jane.doe@example.com'),
      });
    }
  });

  it('treats only the exact visitor.visitor_id as the deduplication key: Visitor_ID is an ordinary property', () => {
    const rules = mapping({ properties: { 'visitor.Visitor_ID': { action: 'hash', rename: 'vid' } } });

    const ruled = compileMapping(rules).apply(eventOf({ Visitor_ID: 'other-id' }));
    const byDefault = compileMapping(undefined).apply(eventOf({ Visitor_ID: 'jane@example.com' }));

    expect(ruled.visitor).toEqual({ visitor_id: 'v1', vid: sha('other-id') });
    expect(compileMapping(rules).apply(eventOf({})).visitor).toEqual({ visitor_id: 'v1' });
    expect(byDefault.visitor).toEqual({ visitor_id: 'v1', Visitor_ID: sha('jane@example.com') });
    expect(DataMappingSchema.safeParse({ properties: { 'visitor.visitor_id': 'keep' } }).success).toBe(false);
  });
});

describe('the defaults catch compound property names', () => {
  const defaults = compileMapping(undefined);
  const mapped = (key: string, value: unknown) =>
    defaults.apply(eventOf({}, { [key]: value })).event.event_properties?.[key];

  it.each([
    ['billing_phone', '+1 (555) 010-0200', sha('15550100200')],
    ['billingPhone', '+1 (555) 010-0200', sha('15550100200')],
    ['mobile_number', '+44 7700 900123', sha('447700900123')],
    ['work-phone-number', '+44 7700 900123', sha('447700900123')],
    ['phone_home', '+44 7700 900123', sha('447700900123')],
    ['phone2', '+44 7700 900123', sha('447700900123')],
    ['customer_email', 'Jane@Example.com', sha('jane@example.com')],
    ['work_email_address', 'Jane@Example.com', sha('jane@example.com')],
    ['EmailAddress', 'Jane@Example.com', sha('jane@example.com')],
    ['email_2', 'Jane@Example.com', sha('jane@example.com')],
    ['billing_first_name', ' Jane ', sha('jane')],
    ['ContactLastName', 'DOE', sha('doe')],
    ['shipping_address', '1 Main St', REDACTED],
    ['ShippingAddress', '1 Main St', REDACTED],
    ['billing_street', 'Main St', REDACTED],
    ['address_line_3', 'Flat 2', REDACTED],
    ['shipping_zip', '94107', REDACTED],
    ['billing_zipcode', 94107, REDACTED],
    ['shipping-postcode', 'SW1A 1AA', REDACTED],
    ['shipping_postal_code', 'SW1A 1AA', REDACTED],
    ['client_ip', '203.0.113.7', REDACTED],
    ['clientIP', '203.0.113.7', REDACTED],
    ['last_ip_address', '203.0.113.7', REDACTED],
    ['IPv6', '2001:db8::1', REDACTED],
    ['customer_ssn', '123-45-6789', REDACTED],
    ['SSN_last4', '6789', REDACTED],
    ['contact_date_of_birth', '1990-01-01', REDACTED],
  ])('%s', (key, value, expected) => {
    expect(mapped(key, value)).toBe(expected);
  });

  it.each([
    ['membership', 'gold'],
    ['relationship', 'spouse'],
    ['gzip', 'on'],
    ['gzip_size', 1200],
    ['tooltip', 'Click here'],
    ['address_count', 3],
    ['address_type', 'billing'],
    ['email_opt_in', true],
    ['email_verified', 'yes'],
    ['email_domain', 'example.com'],
    ['email_hash', 'a'.repeat(64)],
    ['phone_country_code', 'GB'],
    ['ip_country', 'PT'],
    ['zip_file', 'export.zip'],
    ['product_name', 'Sneaker 42'],
    ['order_id', 'o-1'],
  ])('leaves %s alone: the personal word is not its last', (key, value) => {
    expect(mapped(key, value)).toBe(value);
  });

  it('leaves booleans under personal names alone: true and false hide nothing', () => {
    expect(
      defaults.apply(eventOf({ has_email: true, is_mobile: false, email: [true, 'a@b.co'] })).visitor,
    ).toEqual({
      visitor_id: 'v1',
      has_email: true,
      is_mobile: false,
      email: [true, sha('a@b.co')],
    });
  });
});

describe('the defaults hash email addresses and phone numbers inside free text', () => {
  const defaults = compileMapping(undefined);
  const note = (text: string) => defaults.apply(eventOf({}, { note: text })).event.event_properties?.note;

  it('replaces each email address in a longer string by its hash, in place', () => {
    expect(note('contact jane.doe@example.com please')).toBe(`contact ${sha('jane.doe@example.com')} please`);
    expect(note('From: Jane <Jane.Doe@Example.com>, cc bob+x@mail.example.org.')).toBe(
      `From: Jane <${sha('jane.doe@example.com')}>, cc ${sha('bob+x@mail.example.org')}.`,
    );
    // A whole value that is an address is still hashed whole, surrounding spaces and all.
    expect(note(' Someone@Example.com ')).toBe(sha('someone@example.com'));
  });

  it.each([
    ['call +1 (555) 010-0200 today', `call ${sha('15550100200')} today`],
    ['+44 20 7946 0958', sha('442079460958')],
    ['whatsapp:+33612345678.', `whatsapp:${sha('33612345678')}.`],
    ['office (555) 010-0200 or 555.010.0201', `office ${sha('5550100200')} or ${sha('5550100201')}`],
    ['tel 1-555-010-0200', `tel ${sha('15550100200')}`],
    ['ring 020 7946 0958', `ring ${sha('02079460958')}`],
    ['portable 06 12 34 56 78', `portable ${sha('0612345678')}`],
    ['Büro (030) 1234 5678', `Büro ${sha('03012345678')}`],
    ['0044 20 7946 0958', sha('442079460958')],
  ])('replaces a phone number in %j by its hash, in place', (text, expected) => {
    expect(note(text)).toBe(expected);
  });

  it.each([
    '2024-01-02',
    '2024-01-02T12:30:00.000Z',
    '2024-01-02 12:30',
    '02.01.2024 10:30',
    'order 12345678',
    'ORD-2024-0001-5550',
    'ORD-555-010-0200',
    'o-1732300000000',
    '1732300000000',
    '$1,234.56',
    '€ 1 234 567,89',
    '123e4567-e89b-12d3-a456-426614174000',
    '00000000-0000-0000-0000-000000000000',
    '4111 1111 1111 1111',
    '203.0.113.7',
    'v1.22.333',
    '94107-1234',
    '5550100200',
    '0123456789',
    '123-456-7890',
    'sku 10 20 30 40 50 60',
    'npm i zod@3.22.4',
    '@jane is here',
    'user@localhost',
  ])('leaves %j alone', (text) => {
    expect(note(text)).toBe(text);
  });

  it('leaves free text alone under a rule, and in listed mode', () => {
    const text = 'contact jane.doe@example.com or +1 555 010 0200';
    const kept = compileMapping(mapping({ properties: { 'event.event_properties.note': 'keep' } }));
    const listed = compileMapping(
      mapping({ mode: 'listed', properties: { 'event.event_properties.note': 'keep' } }),
    );

    expect(kept.apply(eventOf({}, { note: text })).event.event_properties?.note).toBe(text);
    expect(listed.apply(eventOf({}, { note: text })).event.event_properties?.note).toBe(text);
    expect(note(text)).toBe(`contact ${sha('jane.doe@example.com')} or ${sha('15550100200')}`);
  });

  it('scans 1 MB adversarial strings in linear time', () => {
    const mb = 1_000_000;
    const adversarial = [
      'a@'.repeat(mb / 2),
      `${'a'.repeat(mb)}@`,
      `a@${'b.'.repeat(mb / 2)} x`,
      '.@'.repeat(mb / 2),
      `${'a.'.repeat(20)}@`.repeat(mb / 41),
      '1 '.repeat(mb / 2),
      '+1'.repeat(mb / 2),
      '(1'.repeat(mb / 2),
      '+('.repeat(mb / 2),
      '1-'.repeat(mb / 2),
      `+${'1'.repeat(mb)}`,
      '12345678 x'.repeat(mb / 10),
    ];
    const started = performance.now();

    // Compared, not printed: a failure would otherwise print megabytes.
    const changed = adversarial.filter(
      (text) => hashContactsInText(text, Number.POSITIVE_INFINITY) !== text || note(text) !== text,
    );

    expect(changed.map((text) => text.slice(0, 12))).toEqual([]);
    // Quadratic scans took minutes on the first of these.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('stops a string full of addresses at maxMappedBytes while replacing them', () => {
    const text = 'ab@cd.ef '.repeat(110_000);

    expect(() => note(text)).toThrow(expect.objectContaining({ limit: 'maxMappedBytes' }));
    // What is left of the budget bounds the text built: it gives up at the replacement that passes it.
    expect(hashContactsInText('a@b.co x@y.zz', 200)).toBe(`${sha('a@b.co')} ${sha('x@y.zz')}`);
    expect(hashContactsInText('a@b.co x@y.zz', 100)).toBeUndefined();
  });
});

import * as z from 'zod/mini';
import {
  deriveDistinctId,
  fifoMessageGroupId,
  IngestMessageSchema,
  isWorkspaceGroup,
  MAX_VALUES,
  parseIngestMessage,
} from '../../lambda/shared/ingest-message';
import { inputSafeMessages } from '../../lambda/shared/zod-messages';
import { ingestMessage, PERSONAL_DATA } from '../support/fixtures';

describe('parseIngestMessage', () => {
  it('accepts the seed format and keeps it as delivered payload', () => {
    // Prepare
    const message = ingestMessage();

    // Act
    const parsed = parseIngestMessage(JSON.stringify(message));

    // Assess
    const { workspace_id, ...payload } = message;
    expect(parsed).toEqual({ ok: true, workspaceId: workspace_id, payload });
    expect(parsed.ok && JSON.stringify(parsed.payload)).not.toContain('workspace_id');
  });

  it('derives the same distinct_id for the same content, whatever the key order', () => {
    const message = ingestMessage({ event: { distinct_id: undefined } });
    const reordered = {
      user: message.user,
      visitor: message.visitor,
      event: message.event,
      workspace_id: message.workspace_id,
    };

    const first = parseIngestMessage(JSON.stringify(message));
    const second = parseIngestMessage(JSON.stringify(reordered));

    expect(first.ok && first.payload.event.distinct_id).toMatch(/^derived_[0-9a-f]{40}$/);
    expect(first).toEqual(second);
  });

  it('derives different ids for different events of the same visitor', () => {
    const a = deriveDistinctId(ingestMessage({ event: { distinct_id: undefined, time: 1 } }) as never);
    const b = deriveDistinctId(ingestMessage({ event: { distinct_id: undefined, time: 2 } }) as never);

    expect(a).not.toEqual(b);
  });

  it('returns the routing list separately from the payload', () => {
    const parsed = parseIngestMessage(JSON.stringify(ingestMessage({ destinations: ['orders-fn'] })));

    expect(parsed.ok && parsed.destinations).toEqual(['orders-fn']);
    expect(parsed.ok && 'destinations' in parsed.payload).toBe(false);
  });

  it('delivers a missing user as null', () => {
    const { user: _user, ...withoutUser } = ingestMessage();

    const parsed = parseIngestMessage(JSON.stringify(withoutUser));

    expect(parsed.ok && parsed.payload.user).toBeNull();
  });

  it.each([
    ['not JSON', '{"event":', 'InvalidJson', 'not valid JSON'],
    ['an array', '[]', 'InvalidEvent', '(body)'],
    ['a string', '"hello"', 'InvalidEvent', '(body)'],
    [
      'missing event name',
      JSON.stringify(ingestMessage({ event: { event: undefined } })),
      'InvalidEvent',
      'event.event',
    ],
    [
      'empty event name',
      JSON.stringify(ingestMessage({ event: { event: '' } })),
      'InvalidEvent',
      'event.event',
    ],
    [
      'over-long event name',
      JSON.stringify(ingestMessage({ event: { event: 'x'.repeat(1001) } })),
      'InvalidEvent',
      'event.event',
    ],
    [
      'over-long distinct_id',
      JSON.stringify(ingestMessage({ event: { distinct_id: 'x'.repeat(401) } })),
      'InvalidEvent',
      'event.distinct_id',
    ],
    [
      'fractional time',
      JSON.stringify(ingestMessage({ event: { time: 1.5 } })),
      'InvalidEvent',
      'event.time',
    ],
    [
      'missing visitor_id',
      JSON.stringify(ingestMessage({ visitor: { visitor_id: undefined } })),
      'InvalidEvent',
      'visitor.visitor_id',
    ],
    [
      'numeric visitor_id',
      JSON.stringify(ingestMessage({ visitor: { visitor_id: 42 } })),
      'InvalidEvent',
      'visitor.visitor_id',
    ],
    [
      'unknown top-level field',
      JSON.stringify({ ...ingestMessage(), extra: 1 }),
      'InvalidEvent',
      'Unrecognized key',
    ],
    [
      'unknown event field',
      JSON.stringify(ingestMessage({ event: { colour: 'red' } })),
      'InvalidEvent',
      'Unrecognized key',
    ],
    [
      'user as a string',
      JSON.stringify({ ...ingestMessage(), user: 'jane.doe@example.com' }),
      'InvalidEvent',
      'user',
    ],
    [
      '__proto__ key',
      '{"event":{"event":"x","__proto__":{"polluted":true}},"visitor":{"visitor_id":"v"}}',
      'InvalidEvent',
      '__proto__',
    ],
    [
      'constructor key',
      '{"event":{"event":"x"},"visitor":{"visitor_id":"v","constructor":1}}',
      'InvalidEvent',
      'constructor',
    ],
    [
      'lone surrogate',
      '{"event":{"event":"\\ud800"},"visitor":{"visitor_id":"v"}}',
      'InvalidEvent',
      'well-formed',
    ],
    [
      'number out of range',
      '{"event":{"event":"x","event_properties":{"n":1e999}},"visitor":{"visitor_id":"v"}}',
      'InvalidEvent',
      'out of range',
    ],
    [
      'deep nesting',
      `{"event":{"event":"x","event_properties":${'{"a":'.repeat(40)}1${'}'.repeat(40)}},"visitor":{"visitor_id":"v"}}`,
      'InvalidEvent',
      'nested deeper',
    ],
  ])('rejects %s with %s', (_case, body, errorCode, reasonPart) => {
    const parsed = parseIngestMessage(body);

    expect(parsed).toEqual({ ok: false, errorCode, reason: expect.stringContaining(reasonPart) });
    for (const personal of PERSONAL_DATA) expect(JSON.stringify(parsed)).not.toContain(personal);
  });
});

describe('the ingest schema, compiled', () => {
  it('compiles whole: no rule falls back to the runtime parser for valid events', () => {
    expect(() => z.compile(IngestMessageSchema, { strict: true })).not.toThrow();
  });

  it.each([
    ['the seed format', ingestMessage()],
    [
      'every optional part',
      {
        ...ingestMessage({
          event: { time: 0, event_properties: { a: [1, { b: null }] }, default_properties: {} },
          destinations: ['fn'],
        }),
        consent: ['analytics'],
      },
    ],
    ['no user, no distinct_id', { ...ingestMessage({ event: { distinct_id: undefined } }), user: undefined }],
    ['unknown keys', { ...ingestMessage(), extra: 1, event: { event: 'x', 'a@b.c': 2 } }],
    ['wrong types', { ...ingestMessage(), event: { event: '', time: -1.5 }, visitor: [], consent: ['UP'] }],
    ['a user of the wrong type', { ...ingestMessage(), user: 'x', destinations: [] }],
  ])('gives what the runtime parser gives: %s', (_case, message) => {
    const outcome = (schema: typeof IngestMessageSchema) => {
      const { success, data, error } = schema.safeParse(message, { error: inputSafeMessages });
      // Serialised: keys in the same order, absent ones absent, as the payload is delivered.
      return JSON.stringify({ success, data, issues: error?.issues });
    };

    expect(outcome(z.compile(IngestMessageSchema))).toEqual(outcome(IngestMessageSchema));
  });
});

describe('fifoMessageGroupId', () => {
  it('puts the workspace in front of the visitor, so no two workspaces share a group', () => {
    expect(fifoMessageGroupId('acme', 'visitor_123')).toBe('acme:visitor_123');
    expect(fifoMessageGroupId('globex', 'visitor_123')).not.toBe(fifoMessageGroupId('acme', 'visitor_123'));
    expect(isWorkspaceGroup('acme', 'acme:visitor_123')).toBe(true);
    expect(isWorkspaceGroup('acme', 'visitor_123')).toBe(false);
    expect(isWorkspaceGroup('acme', 'acme-eu:visitor_123')).toBe(false);
  });

  it('hashes a visitor id SQS would refuse in a group, keeping the workspace', () => {
    const long = fifoMessageGroupId('w'.repeat(64), 'v'.repeat(128));
    const spaced = fifoMessageGroupId('acme', 'jane doe');

    for (const group of [long, spaced]) expect(group).toMatch(/^[\x21-\x7e]{1,128}$/);
    expect(isWorkspaceGroup('w'.repeat(64), long)).toBe(true);
    expect(spaced).toBe(fifoMessageGroupId('acme', 'jane doe'));
    expect(spaced).not.toContain('jane');
  });
});

describe('bounded values', () => {
  it('refuses a message with more values than MAX_VALUES, naming no key or value', () => {
    const body = JSON.stringify(
      ingestMessage({
        visitor: { visitor_id: 'v', 'jane.doe@example.com': Array.from({ length: MAX_VALUES }, () => ({})) },
      }),
    );

    const parsed = parseIngestMessage(body);

    expect(parsed).toEqual({
      ok: false,
      errorCode: 'InvalidEvent',
      reason: `(body): more than ${MAX_VALUES} values`,
    });
  });

  it('accepts a large but reasonable event', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => ({ sku: `sku-${i}`, quantity: 1, price: 9.99 }));

    expect(
      parseIngestMessage(JSON.stringify(ingestMessage({ event: { event_properties: { items } } }))).ok,
    ).toBe(true);
  });
});

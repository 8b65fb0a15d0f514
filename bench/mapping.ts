#!/usr/bin/env node
/**
 * What data mapping costs per event: the dispatcher's serialisation of the payload alone (what it
 * did before mappings) against the privacy-safe defaults and a typical mapping, each compiled
 * once and applied to the same events, interleaved round by round. Then the peak heap of one
 * batch of worst-case 1 MB messages (`bench/poison-batch.ts`, in a process with a 256 MB heap).
 * `npm run bench:mapping`.
 */
import { spawnSync } from 'node:child_process';
import { compileMapping, type DataMapping, DataMappingSchema } from '../lambda/shared/data-mapping';
import { type DeliveredPayload, parseIngestMessage } from '../lambda/shared/ingest-message';
import { generateEvents, seededRandom } from '../local/test-events';

const EVENTS = 20_000;
const ROUNDS = 7;

/** A marketing destination's mapping: rename, pseudonymise, trim, per-event overrides. */
const TYPICAL: DataMapping = DataMappingSchema.parse({
  events: { 'Order Completed': 'order_completed' },
  properties: {
    'visitor.email': 'hash',
    'user.email': 'domain_only',
    'visitor.first_seen_at': 'drop',
    'event.event_properties.total': { rename: 'amount' },
  },
  overrides: { 'Order Completed': { 'event.event_properties.order_id': 'keep' } },
});

const payloads: DeliveredPayload[] = generateEvents(EVENTS, { random: seededRandom(1) }).map((body) => {
  const parsed = parseIngestMessage(body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.payload;
});

const variants: [string, (p: DeliveredPayload) => string][] = [
  ['serialise only (no mapping step)', (p) => JSON.stringify(p)],
  [
    'privacy-safe defaults',
    (
      (m) => (p: DeliveredPayload) =>
        JSON.stringify(m.apply(p))
    )(compileMapping(undefined)),
  ],
  [
    'typical mapping',
    (
      (m) => (p: DeliveredPayload) =>
        JSON.stringify(m.apply(p))
    )(compileMapping(TYPICAL)),
  ],
];

function eventsPerSecond(run: (p: DeliveredPayload) => string): number {
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (const payload of payloads) bytes += run(payload).length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (bytes === 0) throw new Error('nothing serialised');
  return payloads.length / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// A warm-up round, then interleaved rounds: every variant sees the same machine state.
for (const [, run] of variants) eventsPerSecond(run);
const rates = variants.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  variants.forEach(([, run], index) => {
    rates[index].push(eventsPerSecond(run));
  });
}
const base = rates[0];
console.log(
  `${EVENTS} events of about ${Math.round(JSON.stringify(payloads[0]).length)} bytes, ${ROUNDS} interleaved rounds\n`,
);
variants.forEach(([name], index) => {
  const ratios = rates[index].map((rate, round) => rate / base[round]);
  const perEventUs = 1e6 / median(rates[index]) - 1e6 / median(base);
  console.log(
    `${name.padEnd(34)} ${Math.round(median(rates[index])).toString().padStart(9)} events/s  ratio to serialise-only median ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})${index > 0 ? `  +${perEventUs.toFixed(1)} µs/event` : ''}`,
  );
});

// Bounded work per event: a batch of messages that would expand 33-fold under the defaults.
const POISON_HEAP_MB = 256;
const poison = spawnSync(
  process.execPath,
  [`--max-old-space-size=${POISON_HEAP_MB}`, '--import', 'tsx', 'bench/poison-batch.ts', '--messages', '10'],
  { encoding: 'utf8' },
);
const measured = poison.status === 0 ? JSON.parse(poison.stdout) : undefined;
console.log(
  measured
    ? `\n${measured.messages} worst-case messages of ${measured.bodyBytes} bytes in one batch (heap limit ${POISON_HEAP_MB} MB): peak heap ${measured.peakHeapUsedMB} MB (${measured.baselineHeapMB} MB before the batch), peak RSS ${measured.maxRssMB} MB, dead letters ${JSON.stringify(measured.deadLetters)}`
    : `\nworst-case batch FAILED (exit ${poison.status ?? poison.signal}): ${poison.stderr.split('\n').find((line) => /heap|Error/.test(line)) ?? ''}`,
);

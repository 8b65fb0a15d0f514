import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type DestinationSummaryDetail, latencyBucket } from '../shared/delivery-summary';
import { type Destination, destinationKey } from '../shared/destination-config';
import { utf8Bytes } from './batching';
import type { Delivery } from './delivery';
import type { DeadLetter } from './settle/dead-letter';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** Where the dispatcher's metrics go: CloudWatch embedded metric format, one namespace. */
export interface MetricsSink {
  /** One EMF document: these dimensions, these metrics (a metric may take several values). */
  emit(dimensions: Record<string, string>, metrics: Record<string, { unit: Unit; values: number[] }>): void;
}

/** Powertools Metrics: each document flushed to stdout, where Lambda's log group turns it into metrics. */
export class PowertoolsMetricsSink implements MetricsSink {
  constructor(
    private readonly namespace: string,
    /**
     * Where each document goes instead of stdout (the local runtime's log file, which stands in for
     * the log group). @default stdout, as Lambda needs it
     */
    private readonly write?: (document: string) => void,
  ) {}

  emit(dimensions: Record<string, string>, metrics: Record<string, { unit: Unit; values: number[] }>): void {
    // EMF takes at most 100 values of a metric per document: more go in further documents.
    // Powertools prints a metric's document itself at its 100th value: one written elsewhere holds 99.
    const size = this.write ? 99 : 100;
    const documents = Math.max(1, ...Object.values(metrics).map((m) => Math.ceil(m.values.length / size)));
    for (let i = 0; i < documents; i++) {
      const document = new Metrics({ namespace: this.namespace, serviceName: 'event-dispatcher' });
      document.addDimensions(dimensions);
      for (const [name, { unit, values }] of Object.entries(metrics)) {
        for (const value of values.slice(i * size, (i + 1) * size)) document.addMetric(name, unit, value);
      }
      if (this.write) {
        this.write(JSON.stringify(document.serializeMetrics()));
        document.clearMetrics();
      } else {
        document.publishStoredMetrics();
      }
    }
  }
}

type Counts = { delivered: number; failed: number; deadLettered: number; retried: number; bytes: number };

/**
 * A batch's metrics, by destination type only (a few dimensions, whatever the number of
 * destinations): Delivered, DeliveryFailures, RetriesScheduled, DeliveredBytes, DeliveryLatency
 * (first ingest to delivered), and DeadLettered by error code. Per-destination and per-workspace
 * figures go in one `destination summary` log line each, to query with Logs Insights instead of
 * paying for a custom metric per destination.
 */
export function publishBatchMetrics(
  sink: MetricsSink,
  logger: Logger,
  batch: {
    deliveries: readonly Delivery[];
    written: readonly DeadLetter[];
    retried: readonly Delivery[];
    /** Events sent again because their workspace could not be looked up. */
    registryResends?: number;
    /** Events each destination did not get for want of consent: in its summary line. */
    blockedByConsent?: ReadonlyMap<Destination, number>;
    /** Dead letters of known workspaces the dead-letter store missed (they are in the queue). */
    deadLettersNotStored?: number;
    now?: number;
  },
): void {
  const now = batch.now ?? Date.now();
  const byType = new Map<string, Counts & { latencies: number[] }>();
  const byDestination = new Map<
    string,
    Counts & { workspaceId: string; destinationId: string; type: string } & DestinationSummaryDetail
  >();
  const summaryOf = (destination: Destination) => {
    const key = destinationKey(destination);
    let summary = byDestination.get(key);
    if (!summary) {
      summary = {
        workspaceId: destination.workspaceId,
        destinationId: destination.id,
        type: destination.type,
        delivered: 0,
        failed: 0,
        deadLettered: 0,
        retried: 0,
        bytes: 0,
      };
      byDestination.set(key, summary);
    }
    return summary;
  };
  const retried = new Set(batch.retried);
  const countsOf = (type: string) => {
    let counts = byType.get(type);
    if (!counts) {
      counts = { delivered: 0, failed: 0, deadLettered: 0, retried: 0, bytes: 0, latencies: [] };
      byType.set(type, counts);
    }
    return counts;
  };
  for (const delivery of batch.deliveries) {
    const { destination, record, result } = delivery;
    const summary = summaryOf(destination);
    const counts = countsOf(destination.type);
    if (result?.ok) {
      const bytes = utf8Bytes(delivery.message);
      for (const c of [counts, summary]) {
        c.delivered += 1;
        c.bytes += bytes;
      }
      const latency = Math.max(0, now - record.firstAttemptAt);
      counts.latencies.push(latency);
      summary.latencyMs ??= {};
      const bucket = latencyBucket(latency);
      summary.latencyMs[bucket] = (summary.latencyMs[bucket] ?? 0) + 1;
      if (delivery.offloaded) summary.offloaded = (summary.offloaded ?? 0) + 1;
    } else {
      for (const c of [counts, summary]) c.failed += 1;
      if (retried.has(delivery)) for (const c of [counts, summary]) c.retried += 1;
      const code = result?.error.code ?? 'UnknownError';
      summary.failedByCode ??= {};
      summary.failedByCode[code] = (summary.failedByCode[code] ?? 0) + 1;
    }
  }
  for (const [destination, count] of batch.blockedByConsent ?? [])
    summaryOf(destination).blockedByConsent = count;
  const deadByCode = new Map<string, number>();
  for (const letter of batch.written) {
    const type = letter.destinationType ?? 'none';
    const key = `${type}\n${letter.errorCode}`;
    deadByCode.set(key, (deadByCode.get(key) ?? 0) + 1);
    // A destination id repeats across workspaces: the letter counts for its own workspace's.
    const summary = byDestination.get(`${letter.workspaceId}/${letter.destinationId}`);
    if (summary && summary.type === letter.destinationType) summary.deadLettered += 1;
  }

  for (const [type, c] of byType) {
    sink.emit(
      { DestinationType: type },
      {
        Delivered: { unit: MetricUnit.Count, values: [c.delivered] },
        DeliveryFailures: { unit: MetricUnit.Count, values: [c.failed] },
        RetriesScheduled: { unit: MetricUnit.Count, values: [c.retried] },
        DeliveredBytes: { unit: MetricUnit.Bytes, values: [c.bytes] },
        ...(c.latencies.length > 0 && {
          DeliveryLatency: { unit: MetricUnit.Milliseconds, values: c.latencies },
        }),
      },
    );
  }
  for (const [key, count] of deadByCode) {
    const [type, code] = key.split('\n');
    sink.emit(
      { DestinationType: type, ErrorCode: code },
      { DeadLettered: { unit: MetricUnit.Count, values: [count] } },
    );
  }
  if (batch.registryResends) {
    // No destination type: the workspace itself could not be looked up.
    sink.emit({}, { RegistryResends: { unit: MetricUnit.Count, values: [batch.registryResends] } });
  }
  if (batch.deadLettersNotStored) {
    sink.emit({}, { DeadLettersNotStored: { unit: MetricUnit.Count, values: [batch.deadLettersNotStored] } });
  }
  for (const summary of byDestination.values()) logger.info('destination summary', { ...summary });
}

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DELIVERY_PERMISSIONS } from '../../lambda/shared/delivery-permissions';
import type { DestinationType } from '../../lambda/shared/destination-config';
import { EventDispatcher } from './event-dispatcher';
import type { IngestQueue } from './ingest-queue';

export interface DeliveryAlarmsProps {
  readonly ingestQueue: IngestQueue;
  readonly dispatcher: EventDispatcher;
  /** Where every alarm (and its recovery) is sent. */
  readonly operatorTopic: sns.ITopic;
  /**
   * The oldest ingest message may wait this long before the alarm fires.
   * @default Duration.minutes(5)
   */
  readonly maxIngestAge?: Duration;
  /**
   * Share of deliveries failing (retried or dead-lettered), in percent, over 15 minutes, that fires.
   * @default 5
   */
  readonly maxFailurePercent?: number;
}

/**
 * Every destination type, from the table the compiler checks complete: none left out of the
 * failure rate. Its alarm reads two metrics a type, and CloudWatch takes 10 metrics in an
 * alarm's expression: a sixth type needs SEARCH or a per-type alarm.
 */
const DESTINATION_TYPES = Object.keys(DELIVERY_PERMISSIONS) as DestinationType[];

/**
 * What an operator is woken for, each alarm (and its recovery) sent to the operator topic, and a
 * dashboard of the same: dead letters waiting, the ingest queue falling behind, the dispatcher
 * failing or throttled, and deliveries failing.
 */
export class DeliveryAlarms extends Construct {
  public readonly deadLetters: cloudwatch.Alarm;
  public readonly ingestBacklog: cloudwatch.Alarm;
  public readonly dispatcherErrors: cloudwatch.Alarm;
  public readonly dispatcherThrottles: cloudwatch.Alarm;
  public readonly failureRate: cloudwatch.Alarm;
  public readonly registryResends: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DeliveryAlarmsProps) {
    super(scope, id);
    const { ingestQueue, dispatcher } = props;
    this.deadLetters = this.createDeadLettersAlarm(ingestQueue);
    this.ingestBacklog = this.createIngestBacklogAlarm(
      ingestQueue,
      props.maxIngestAge ?? Duration.minutes(5),
    );
    this.dispatcherErrors = this.createDispatcherErrorsAlarm(dispatcher);
    this.dispatcherThrottles = this.createDispatcherThrottlesAlarm(dispatcher);
    this.failureRate = this.createFailureRateAlarm(props.maxFailurePercent ?? 5);
    this.registryResends = this.createRegistryResendsAlarm();
    const alarms = [
      this.deadLetters,
      this.ingestBacklog,
      this.dispatcherErrors,
      this.dispatcherThrottles,
      this.failureRate,
      this.registryResends,
    ];
    this.notifyOperators(alarms, props.operatorTopic);
    this.dashboard = this.createDashboard(alarms, ingestQueue, dispatcher);
  }

  /** An alarm with the defaults they share: fires at or above the threshold, quiet without data. */
  private createAlarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
  }

  private createDeadLettersAlarm(ingestQueue: IngestQueue): cloudwatch.Alarm {
    return this.createAlarm('DeadLetters', {
      alarmDescription:
        'Events are waiting in the dead-letter queue: read their error_code, fix, then npm run redrive (docs/operations.md, "Runbook")',
      metric: ingestQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
    });
  }

  private createIngestBacklogAlarm(ingestQueue: IngestQueue, maxIngestAge: Duration): cloudwatch.Alarm {
    return this.createAlarm('IngestBacklog', {
      alarmDescription: `The oldest ingest message is older than ${maxIngestAge.toHumanString()}: the dispatcher is falling behind or failing`,
      metric: ingestQueue.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: maxIngestAge.toSeconds(),
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });
  }

  private createDispatcherErrorsAlarm(dispatcher: EventDispatcher): cloudwatch.Alarm {
    return this.createAlarm('DispatcherErrors', {
      alarmDescription: 'The dispatcher failed whole invocations (not single deliveries): see its error logs',
      metric: dispatcher.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
  }

  private createDispatcherThrottlesAlarm(dispatcher: EventDispatcher): cloudwatch.Alarm {
    return this.createAlarm('DispatcherThrottles', {
      alarmDescription: 'The dispatcher was throttled: raise its concurrency quota or reserved concurrency',
      metric: dispatcher.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
  }

  /** Failed deliveries over all deliveries, across every destination type. */
  private createFailureRateAlarm(maxFailurePercent: number): cloudwatch.Alarm {
    const deliveredIds = DESTINATION_TYPES.map((type) => `delivered_${type}`);
    const failedIds = DESTINATION_TYPES.map((type) => `failed_${type}`);
    const delivered = deliveryMetrics('Delivered');
    const failed = deliveryMetrics('DeliveryFailures');
    const sum = (ids: readonly string[]) => ids.map((id) => `FILL(${id}, 0)`).join(' + ');
    return this.createAlarm('FailureRate', {
      alarmDescription: `More than ${maxFailurePercent}% of deliveries failed (retried or dead-lettered) for 15 minutes: see the destination summary logs`,
      metric: new cloudwatch.MathExpression({
        expression: `100 * (${sum(failedIds)}) / MAX([1, ${sum([...deliveredIds, ...failedIds])}])`,
        usingMetrics: Object.fromEntries([
          ...deliveredIds.map((id, i) => [id, delivered[i]]),
          ...failedIds.map((id, i) => [id, failed[i]]),
        ]),
        period: Duration.minutes(5),
        label: 'Failed deliveries (%)',
      }),
      threshold: maxFailurePercent,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  private createRegistryResendsAlarm(): cloudwatch.Alarm {
    return this.createAlarm('RegistryResends', {
      alarmDescription:
        'Events are being sent again because their workspace could not be looked up (registry unreadable, an HMAC key or a version that fails to load): past the retry limits they are dead-lettered with RegistryUnavailable',
      metric: new cloudwatch.Metric({
        namespace: EventDispatcher.METRICS_NAMESPACE,
        metricName: 'RegistryResends',
        dimensionsMap: { service: 'event-dispatcher' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
  }

  /** Each alarm, and its recovery, goes to the operator topic. */
  private notifyOperators(alarms: readonly cloudwatch.Alarm[], operatorTopic: sns.ITopic): void {
    const action = new SnsAction(operatorTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  /** The alarms' states, then deliveries by destination type, then the queues and the dispatcher. */
  private createDashboard(
    alarms: cloudwatch.Alarm[],
    ingestQueue: IngestQueue,
    dispatcher: EventDispatcher,
  ): cloudwatch.Dashboard {
    return new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Delivered',
            left: deliveryMetrics('Delivered'),
            width: 8,
            stacked: true,
          }),
          new cloudwatch.GraphWidget({
            title: 'Failed (retried or dead-lettered)',
            left: deliveryMetrics('DeliveryFailures'),
            width: 8,
            stacked: true,
          }),
          new cloudwatch.GraphWidget({
            title: 'Delivery latency, ingest to delivered (p50, p99)',
            left: DESTINATION_TYPES.flatMap((type) =>
              ['p50', 'p99'].map((statistic) => deliveryMetric('DeliveryLatency', type, statistic)),
            ),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queue',
            left: [
              ingestQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Oldest ingest message (s)',
            left: [ingestQueue.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Dispatcher',
            left: [dispatcher.function.metricErrors(), dispatcher.function.metricThrottles()],
            right: [dispatcher.function.metricDuration({ statistic: 'p99' })],
            width: 8,
          }),
        ],
      ],
    });
  }
}

/** One of the dispatcher's metrics for every destination type, in `DESTINATION_TYPES` order. */
function deliveryMetrics(name: string): cloudwatch.Metric[] {
  return DESTINATION_TYPES.map((type) => deliveryMetric(name, type));
}

/** One of the dispatcher's metrics for one destination type, with the dimensions it publishes. */
function deliveryMetric(name: string, type: string, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: EventDispatcher.METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: 'event-dispatcher', DestinationType: type },
    statistic,
    period: Duration.minutes(5),
    label: `${name} ${type}${statistic === 'Sum' ? '' : ` ${statistic}`}`,
  });
}

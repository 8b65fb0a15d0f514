/**
 * An event's story from the dispatcher's log lines: the code lives with the control plane's
 * delivery visibility (`lambda/control-plane/deliveries/`), which tells it to customers too.
 */
export {
  type EventTrace,
  type LogLine,
  type QueuedDeadLetter,
  renderTrace,
  type Step,
  traceEvent,
} from '../../lambda/control-plane/deliveries/timeline';

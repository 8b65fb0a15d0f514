/**
 * Where the trace reads the dispatcher's lines: its log group (Logs Insights) or the local log
 * file. The code lives with the control plane's delivery visibility (`lambda/control-plane/deliveries/`).
 */
export { readLogFile } from '../../lambda/control-plane/deliveries/log-lines';
export { escapeForQuery, queryLogGroup } from '../../lambda/control-plane/deliveries/logs-insights';

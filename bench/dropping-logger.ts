import { Logger } from '@aws-lambda-powertools/logger';

/**
 * A Powertools logger that builds and serializes each line as it would in Lambda (with its own
 * JSON replacer), and writes it nowhere: benchmarks pay for logging without printing it.
 */
export class DroppingLogger extends Logger {
  protected override printLog(_logLevel: number, log: Parameters<Logger['printLog']>[1]): void {
    JSON.stringify(log.getAttributes(), this.getJsonReplacer());
  }
}

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadDestinations } from '../../lib/config/load-destinations';

const root = path.join(__dirname, '..', '..');
const cdkJson = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

describe('loadDestinations', () => {
  it('reads the example config cdk.json points to', () => {
    const file = path.join(root, String(cdkJson.context.destinationsFile));
    const app = new App({ context: { destinationsFile: file } });

    const destinations = loadDestinations(app.node);

    expect(destinations.map((d) => d.id)).toEqual([
      'orders-fn',
      'analytics-fn',
      'orders-fifo',
      'marketing-topic',
    ]);
  });

  it('prefers inline JSON context over the file', () => {
    const inline = [
      {
        id: 'x',
        type: 'lambda',
        functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:x',
        events: ['*'],
      },
    ];
    const app = new App({
      context: { destinations: JSON.stringify(inline), destinationsFile: '/nonexistent.json' },
    });

    expect(loadDestinations(app.node)).toEqual([{ ...inline[0], invocationType: 'Event' }]);
  });

  it('fails with the file name when the file is missing, and with each bad field when it is invalid', () => {
    expect(() =>
      loadDestinations(new App({ context: { destinationsFile: '/nonexistent.json' } }).node),
    ).toThrow(/cannot read destinations file \/nonexistent.json/);
    expect(() =>
      loadDestinations(new App({ context: { destinations: '[{"id":"x","type":"sns"}]' } }).node),
    ).toThrow(/destination "x": topicArn/);
    expect(() => loadDestinations(new App({ context: { destinations: '[' } }).node)).toThrow(
      /context "destinations" is not valid JSON/,
    );
  });

  it('returns no destinations when none are configured', () => {
    expect(loadDestinations(new App().node)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config';

describe('parseConfig', () => {
  it('takes the API URL without its trailing slash, and the endpoint only when given', () => {
    const config = parseConfig({
      apiUrl: 'https://x/v1stage/',
      region: 'eu-west-1',
      userPoolId: 'p',
      userPoolClientId: 'c',
    });
    expect(config).toEqual({
      apiUrl: 'https://x/v1stage',
      region: 'eu-west-1',
      userPoolId: 'p',
      userPoolClientId: 'c',
    });
  });

  it('names what is missing', () => {
    expect(() => parseConfig({ apiUrl: 'https://x', region: '' })).toThrow(
      'config.json lacks region, userPoolId, userPoolClientId',
    );
    expect(() => parseConfig([])).toThrow('config.json lacks');
    expect(() => parseConfig(null)).toThrow('not a JSON object');
  });
});

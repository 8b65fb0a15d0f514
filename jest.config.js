/**
 * Test tiers as jest projects: `npm run test:unit`, `npm run test:infra`, `npm run test:integ`
 * (end to end against the local AWS emulator, moto), `npm run test:e2e` (the console in headless Chromium).
 */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform,
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  ...extra,
});

module.exports = {
  projects: [tier('unit'), tier('infra'), tier('integ'), tier('e2e')],
};

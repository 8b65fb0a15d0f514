/** Test tiers as jest projects: `npm run test:unit`, `npm run test:infra`. */
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

const tier = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform,
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
});

module.exports = {
  projects: [tier('unit'), tier('infra')],
};

/**
 * These machines run Node.js 20 on purpose (Lambda runs the bundles on Node.js 24), and the AWS SDK
 * warns, at a process's first client, that its releases after January 2027 need Node.js 22. Known,
 * so that one notice is turned off with the SDK's own switch (aws/aws-sdk-js-v3#7983); every other
 * warning still prints, and setting the variable yourself wins. Loaded by `bin/cli-kit.ts` (every
 * CLI) and, with `--import`, by the bench scripts; the tests set it in `test/support/setup-env.ts`.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};

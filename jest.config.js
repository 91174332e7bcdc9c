// ts-jest compiles TypeScript, and also the ESM-only dependencies (middy, jose, @noble/hashes, file-type and its own), to CommonJS for Jest.
const transform = { '^.+\\.(t|j|mj)s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }] };
const transformIgnorePatterns = ['/node_modules/(?!(@middy|jose|@noble|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit)/)'];
// npm test runs Jest with a private temporary folder that must end empty (scripts/private-tmpdir.ts):
// Jest's cache, which is kept on purpose, stays where Jest keeps it by default, in the real one.
const outerTmpdir = process.env.FILEPORT_OUTER_TMPDIR;
const cacheDirectory = outerTmpdir ? require('node:path').join(outerTmpdir, `jest_${process.getuid ? process.getuid().toString(36) : 'rs'}`) : undefined;
const common = { transform, transformIgnorePatterns, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'mjs', 'json'], ...(cacheDirectory ? { cacheDirectory } : {}) };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'cdk', testMatch: ['<rootDir>/test/cdk/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Every local stack the suite starts records its Lambdas' AWS calls (support/record-aws-calls.ts),
      // and with FILEPORT_LOCAL_CODE=bundles runs the Lambda bundles, built once for the run.
      globalSetup: '<rootDir>/test/integration/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/support/global-teardown.ts',
    },
    // `npm run test:iam`, after the integration suite, evaluates the recorded calls against the synthesized IAM policies.
    { ...common, displayName: 'iam', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
  ],
};

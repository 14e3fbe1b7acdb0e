/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // @microsoft/app-manifest requires the ESM-only strip-bom@5. Node 20.19+ loads it (require(esm)),
    // Jest's module runtime does not, so Jest alone compiles that one file to CommonJS.
    '/strip-bom/index\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@microsoft/app-manifest/node_modules/)?strip-bom/)'],
  // adaptivecards' package entry is ESM that Node cannot load; its UMD bundle works in Node.
  moduleNameMapper: { '^adaptivecards$': '<rootDir>/node_modules/adaptivecards/dist/adaptivecards.js' },
  testTimeout: 60000,
};

/** @type {import('jest').Config} */
export default {
  testEnvironment: "<rootDir>/test/support/node-environment.js",
  globalSetup: "<rootDir>/test/support/build-dist.js",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["@swc/jest", {
      jsc: {
        target: "es2022",
        parser: { syntax: "typescript", decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
      module: { type: "es6" },
    }],
  },
  testTimeout: 30000,
};

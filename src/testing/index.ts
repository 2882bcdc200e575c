/**
 * `planet-auth/testing`: the conformance suite a plugin — built-in or third-party — runs in its own
 * tests, with any runner.
 */
export {
  ConformanceError, conformanceChecks, describeConformance,
  type ClientTypeSample, type ConformanceCheck, type ConformanceOptions, type TestRunner,
} from "./conformance.js";

// Runs config discovery (the built package) `LOADS` times from `SEARCH_FROM` and prints one JSON line:
// the outcome of each load ("loaded", "none" or the error's code). Started by a test as another user.
import { discoverConfig } from "../../../dist/index.js";

const outcomes = [];
for (let i = 0; i < Number(process.env.LOADS ?? 1); i++) {
  try {
    outcomes.push((await discoverConfig({ searchFrom: process.env.SEARCH_FROM, env: {} })) ? "loaded" : "none");
  } catch (err) {
    outcomes.push(err.code ?? err.message);
  }
}
process.stdout.write(JSON.stringify(outcomes) + "\n");

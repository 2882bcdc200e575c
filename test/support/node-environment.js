/**
 * The jest test environment: node's, plus a guard. nock patches node:http for the whole worker
 * process; if a test file leaves it active, later files in the same worker would talk through a stale
 * interceptor. After each file, put the original functions back.
 */
import http from "node:http";
import https from "node:https";
import { TestEnvironment } from "jest-environment-node";

const originals = {
  http: { ClientRequest: http.ClientRequest, request: http.request, get: http.get },
  https: { request: https.request, get: https.get },
};

export default class GuardedNodeEnvironment extends TestEnvironment {
  async teardown() {
    Object.assign(http, originals.http);
    Object.assign(https, originals.https);
    await super.teardown();
  }
}

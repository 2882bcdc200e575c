/**
 * The device flow opens (or shows) only http(s) verification URIs. nock plays a device authorization
 * endpoint that returns a javascript: or file: URI — something a real OpenID Provider would not do.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { GotHttpClient } from "../../../src/kernel/index.js";
import { DeviceCodeAuthClientException, type OidcAuthClient } from "../../../src/plugins/oidc/index.js";
import { oidcKernel } from "./helpers.js";

const AS = "https://login.example.test";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

async function deviceLogin(verification: Record<string, string>) {
  const opened: string[] = [];
  const printed: string[] = [];
  const polls = nock(AS).post("/token").reply(200, { access_token: "at", expires_in: 60 });
  nock(AS).post("/device").reply(200, { device_code: "dc", user_code: "UC-1", expires_in: 600, interval: 1, ...verification });
  const kernel = oidcKernel({
    http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }),
    browserOpener: async (url) => void opened.push(url),
    display: { print: (t) => void printed.push(t) },
    sleep: async () => {},
  });
  const client = (await kernel.clientFromConfig(
    kernel.configFromDict({ client_type: "oidc_device_code", auth_server: AS, client_id: "cid", token_endpoint: `${AS}/token`, device_authorization_endpoint: `${AS}/device` }),
  )) as OidcAuthClient;
  const result = await client.login({ allowOpenBrowser: true, allowTtyPrompt: true }).catch((e: unknown) => e);
  return { result, opened, printed, polled: polls.isDone() };
}

describe("device flow verification URI", () => {
  test.each([
    ["javascript:", { verification_uri: "javascript:alert(document.cookie)" }, '"javascript"'],
    ["file:", { verification_uri: "https://login.example.test/activate", verification_uri_complete: "file:///etc/passwd" }, '"file"'],
    ["unparsable", { verification_uri: "not a url" }, "unparsable"],
  ])("a %s verification URI is refused: no browser opened, nothing shown, no polling", async (_label, verification, shown) => {
    const { result, opened, printed, polled } = await deviceLogin(verification);
    expect(result).toBeInstanceOf(DeviceCodeAuthClientException);
    expect((result as DeviceCodeAuthClientException).message).toContain(`is not an http(s) URL (${shown === "unparsable" ? "unparsable" : `scheme ${shown}`})`);
    expect(opened).toEqual([]);
    expect(printed.join("\n")).not.toContain("UC-1");
    expect(polled).toBe(false);
  });

  test("an https verification URI is opened", async () => {
    const { opened, polled } = await deviceLogin({ verification_uri: `${AS}/activate`, verification_uri_complete: `${AS}/activate?user_code=UC-1` });
    expect(opened).toEqual([`${AS}/activate?user_code=UC-1`]);
    expect(polled).toBe(true);
  });
});

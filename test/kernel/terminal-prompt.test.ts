/**
 * The default TTY prompt without a terminal: it fails at once (no hang, no exit) with an error naming
 * the value, and the login flows that prompt turn that into an error saying how to supply the value.
 * The prompt's input stream is injected: a pipe (not a TTY), a closed terminal, a terminal that closes.
 */
import { describe, expect, test } from "@jest/globals";
import { PassThrough } from "node:stream";
import {
  Auth, NoTerminalException, PlanetLegacyAuthClientException, ResourceOwnerAuthClientException, createDefaultKernel, createTerminalPrompt,
} from "../../src/index.js";
import { AuthorizationApiClient } from "../../src/plugins/oidc/api/index.js";
import { AuthorizationApiException } from "../../src/plugins/oidc/errors.js";

/** A stream that says it is a terminal (as process.stdin does on a TTY). */
function fakeTerminal(): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: true });
}

const output = () => new PassThrough();

describe("createTerminalPrompt", () => {
  test("stdin not a terminal (a pipe): rejects at once with NoTerminalException naming the value", async () => {
    const prompt = createTerminalPrompt({ input: new PassThrough(), output: output() });
    const err = (await prompt.prompt("Email: ").catch((e: unknown) => e)) as NoTerminalException;
    expect(err).toBeInstanceOf(NoTerminalException);
    expect(err.code).toBe("ERR_NO_TERMINAL");
    expect(err.message).toBe('Cannot ask for "Email": standard input is not a terminal');
  });

  test("a closed terminal, or one that closes before the answer, rejects instead of hanging", async () => {
    const closed = fakeTerminal();
    closed.destroy();
    await expect(createTerminalPrompt({ input: closed, output: output() }).prompt("Password: ", { hidden: true })).rejects.toThrow(
      'Cannot ask for "Password": standard input is closed',
    );
    const closing = fakeTerminal();
    const pending = createTerminalPrompt({ input: closing, output: output() }).prompt("Email: ");
    closing.end();
    await expect(pending).rejects.toThrow('Cannot ask for "Email": standard input was closed before an answer');
  });

  test("a terminal that answers: the answer is returned", async () => {
    const input = fakeTerminal();
    const pending = createTerminalPrompt({ input, output: output() }).prompt("Email: ");
    input.write("me@example.com\n");
    await expect(pending).resolves.toBe("me@example.com");
  });
});

describe("login flows that prompt, without a terminal", () => {
  const kernel = () => createDefaultKernel({ services: { prompt: createTerminalPrompt({ input: new PassThrough(), output: output() }) } });

  test("planet_legacy: names the missing username and the login option that supplies it", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "planet_legacy", legacy_auth_endpoint: "http://127.0.0.1:9/login" }, { kernel: kernel() });
    const err = (await auth.login({ allowTtyPrompt: true }).catch((e: unknown) => e)) as PlanetLegacyAuthClientException;
    expect(err).toBeInstanceOf(PlanetLegacyAuthClientException);
    expect(err.message).toMatch(/username is required to log in; it cannot be asked for without a terminal.*username login option/);
    expect(err.cause).toBeInstanceOf(NoTerminalException);
  });

  test("oidc_resource_owner: names the missing password and the config field that supplies it", async () => {
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_resource_owner", auth_server: "http://127.0.0.1:9", client_id: "c", user_name: "me@example.com" },
      { kernel: kernel() },
    );
    const err = (await auth.login({ allowTtyPrompt: true }).catch((e: unknown) => e)) as ResourceOwnerAuthClientException;
    expect(err).toBeInstanceOf(ResourceOwnerAuthClientException);
    expect(err.field).toBe("password");
    expect(err.message).toMatch(/password is required.*without a terminal.*"user_password" config field/);
  });

  test("auth code with the code pasted at the terminal: says how to log in instead", async () => {
    const authz = new AuthorizationApiClient({ authorizationUri: "https://as.test/authorize" });
    const err = await authz
      .authcodeFromPkceAuthRequestWithTtyInput({
        clientId: "app",
        redirectUri: "https://as.test/show-code",
        pkceCodeChallenge: "c",
        display: { print: () => {} },
        prompt: createTerminalPrompt({ input: new PassThrough(), output: output() }),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthorizationApiException);
    expect((err as Error).message).toMatch(/authentication code cannot be asked for without a terminal.*allow opening a browser/);
  });
});

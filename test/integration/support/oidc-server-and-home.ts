import { afterAll, beforeAll } from "@jest/globals";
import { startOidcServer, type OidcServer } from "../../support/oidc-server.js";
import { makeTempDir } from "../../support/temp-dir.js";

/** Start an OpenID Provider and a temp home for the whole file; read them inside tests. */
export function useOidcServerAndHome(): { readonly op: OidcServer; readonly home: { dir: string } } {
  const state = {} as { op: OidcServer; home: { dir: string; cleanup: () => Promise<void> } };
  beforeAll(async () => {
    [state.op, state.home] = await Promise.all([startOidcServer(), makeTempDir()]);
  });
  afterAll(async () => {
    await state.op.stop();
    await state.home.cleanup();
  });
  return state;
}

/** `plauth legacy …`: the API key of a legacy or static-key profile, and the legacy JWT. */
import type { Auth, JsonObject } from "../../index.js";
import { CliError } from "../errors.js";
import { formatJson } from "../output.js";
import type { Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";
import { rootContext } from "./context.js";

const KEY_TYPES = ["planet_legacy", "static_apikey"];

async function keyContext(rt: PlauthRuntime, opts: Record<string, unknown>, types: string[]): Promise<Auth> {
  const auth = await rootContext(rt, opts);
  const clientType = auth.authClient().config().clientType();
  if (!types.includes(clientType)) {
    throw new CliError(`This command needs a ${types.join(" or ")} profile; profile "${auth.profileName()}" has client_type ${clientType}`);
  }
  return auth;
}

async function savedData(auth: Auth): Promise<JsonObject> {
  const path = auth.tokenFilePath();
  const storage = auth.authClient().credentialStorageProvider();
  if (!path || !(await storage.objExists(path))) return {};
  return storage.loadObj(path);
}

function print(rt: PlauthRuntime, opts: Record<string, unknown>, key: string, value: string): void {
  rt.io.out(opts.json ? formatJson({ [key]: value }) + "\n" : value + "\n");
}

/** The config's `api_key` when set, else the key saved by a login. */
export const printApiKey: Handler = async (rt, opts) => {
  const auth = await keyContext(rt, opts, KEY_TYPES);
  const fromConfig = auth.authClient().config().data()?.api_key;
  const saved = await savedData(auth);
  const key = (typeof fromConfig === "string" && fromConfig) || saved.key || saved.api_key;
  if (typeof key !== "string" || !key) throw new CliError(`No API key in the profile's config or in ${auth.tokenFilePath() ?? "a token file"}; log in first`);
  print(rt, opts, "api_key", key);
};

export const printAccessToken: Handler = async (rt, opts) => {
  const auth = await keyContext(rt, opts, ["planet_legacy"]);
  const jwt = (await savedData(auth)).jwt;
  if (typeof jwt !== "string" || !jwt) throw new CliError(`No legacy access token (jwt) in ${auth.tokenFilePath()}; log in first`);
  print(rt, opts, "jwt", jwt);
};

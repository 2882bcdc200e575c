/**
 * `plauth jwt validate-rs256` and `validate-hs512` as real processes: tokens signed here with jose,
 * verified with a public key file (PEM or JWK) or a shared secret from a file or the environment.
 * A rejected token is a clear error (exit 1) that quotes neither the token nor the secret.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from "jose";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth, type PlauthResult } from "./support/plauth.js";

const ISSUER = "https://issuer.example.test";
const AUDIENCE = "https://api.example.test";
const SECRET = "a-shared-secret-of-64-bytes-for-hs512-0123456789abcdef0123456789";

let home: string;
let cleanup: () => Promise<void>;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  ({ dir: home, cleanup } = await makeTempDir("plauth-home-"));
  const pair = await generateKeyPair("RS256", { extractable: true });
  privateKey = pair.privateKey;
  await writeFile(path.join(home, "public.pem"), await exportSPKI(pair.publicKey));
  await writeFile(path.join(home, "public.jwk"), JSON.stringify(await exportJWK(pair.publicKey)));
  const other = await generateKeyPair("RS256", { extractable: true });
  await writeFile(path.join(home, "other.pem"), await exportSPKI(other.publicKey));
  const ec = await generateKeyPair("ES256", { extractable: true });
  await writeFile(path.join(home, "ec.pem"), await exportSPKI(ec.publicKey));
  await writeFile(path.join(home, "secret.txt"), `${SECRET}\n`, { mode: 0o600 });
});
afterAll(() => cleanup());

/** Runs plauth with a `--token` given as PL_AUTH_TOKEN instead (on the command line it warns: test/cli/argv-secrets.test.ts). */
function run(args: string[], env: Record<string, string> = {}): Promise<PlauthResult> {
  const at = args.indexOf("--token");
  if (at < 0) return plauth(args, { home, env });
  return plauth([...args.slice(0, at), ...args.slice(at + 2)], { home, env: { ...env, PL_AUTH_TOKEN: args[at + 1]! } });
}

function claims(extra: JWTPayload = {}): JWTPayload {
  return { sub: "alice", iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 600, ...extra };
}
const rs256 = (payload = claims()) => new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(privateKey);
const hs512 = (payload = claims(), secret = SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS512" }).sign(new TextEncoder().encode(secret));

function expectRejected(result: PlauthResult, reason: string, ...hidden: string[]): void {
  expect(result).toMatchObject({ code: 1, stdout: "", stderr: `Error: Token validation failed: ${reason}\n` });
  for (const h of hidden) expect(result.stderr).not.toContain(h);
}

describe("jwt validate-rs256", () => {
  test("a PEM public key validates the token: TOKEN OK and the validated parts; --json and -H as validate-oauth", async () => {
    const token = await rs256();
    const ok = await run(["jwt", "validate-rs256", "--token", token, "--key-file", "public.pem"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^TOKEN OK\nJWT Decoding \(validated\)\n\nRAW:\n/);
    expect(ok.stdout).toContain('"sub": "alice"');
    const json = JSON.parse((await run(["jwt", "validate-rs256", "--json", "--token", token, "--key-file", "public.pem"])).stdout);
    expect(json).toMatchObject({ raw: token, header: { alg: "RS256", kid: "k1" }, body: { sub: "alice", iss: ISSUER } });
    const human = JSON.parse((await run(["jwt", "validate-rs256", "--json", "-H", "--token", token, "--key-file", "public.pem"], { TZ: "UTC" })).stdout);
    expect(human.body.exp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  });

  test("a JWK file and a token file work too, with --issuer and --audience checked", async () => {
    await writeFile(path.join(home, "token.jwt"), (await rs256()) + "\n");
    const args = ["jwt", "validate-rs256", "--token-file", "token.jwt", "--key-file", "public.jwk"];
    expect((await run([...args, "--issuer", ISSUER, "--audience", "other", "--audience", AUDIENCE])).code).toBe(0);
    expectRejected(await run([...args, "--issuer", "https://evil.example.test"]), 'the "iss" claim is not the expected value');
    expectRejected(await run([...args, "--audience", "other"]), 'the "aud" claim is not the expected value');
  });

  test("a wrong key, an expired or not-yet-valid token, no exp, another algorithm: exit 1 with the reason, no token in the output", async () => {
    const token = await rs256();
    expectRejected(await run(["jwt", "validate-rs256", "--token", token, "--key-file", "other.pem"]), "the signature does not verify with the given key", token);
    const expired = await rs256(claims({ iat: now() - 1200, exp: now() - 600 }));
    expectRejected(await run(["jwt", "validate-rs256", "--token", expired, "--key-file", "public.pem"]), "the token has expired", expired);
    const early = await rs256(claims({ nbf: now() + 600 }));
    expectRejected(await run(["jwt", "validate-rs256", "--token", early, "--key-file", "public.pem"]), "the token is not valid yet (nbf)");
    const { exp: _exp, ...noExp } = claims();
    expectRejected(await run(["jwt", "validate-rs256", "--token", await rs256(noExp), "--key-file", "public.pem"]), 'the "exp" claim is missing');
    // An HS512 token is refused before any key is tried (no algorithm confusion).
    expectRejected(await run(["jwt", "validate-rs256", "--token", await hs512(), "--key-file", "public.pem"]), "the token is not signed with RS256");
    expectRejected(await run(["jwt", "validate-rs256", "--token", "not-a-jwt", "--key-file", "public.pem"]), "the token is not a signed JWT (JWS compact form)");
  });

  test("key file problems name the file; a missing --key-file or token is a usage error", async () => {
    const token = await rs256();
    expect(await run(["jwt", "validate-rs256", "--token", token, "--key-file", "missing.pem"]))
      .toMatchObject({ code: 1, stderr: "Error: Cannot read the --key-file file missing.pem: ENOENT\n" });
    expect(await run(["jwt", "validate-rs256", "--token", token, "--key-file", "secret.txt"]))
      .toMatchObject({ code: 1, stderr: "Error: The key file secret.txt holds no usable public key (expected a PEM public key, certificate or JWK)\n" });
    expect(await run(["jwt", "validate-rs256", "--token", token, "--key-file", "ec.pem"]))
      .toMatchObject({ code: 1, stderr: "Error: The key file ec.pem holds a ec key; RS256 needs an RSA key\n" });
    expect(await run(["jwt", "validate-rs256", "--token", token])).toMatchObject({ code: 2, stderr: "Error: A public key must be provided with --key-file.\n" });
    expect(await run(["jwt", "validate-rs256", "--key-file", "public.pem"])).toMatchObject({ code: 2, stderr: "Error: A token must be provided.\n" });
  });
});

describe("jwt validate-hs512", () => {
  test("the secret from --secret-file (a trailing newline ignored) or PL_AUTH_HS512_SECRET validates the token", async () => {
    const token = await hs512();
    const fromFile = await run(["jwt", "validate-hs512", "--token", token, "--secret-file", "secret.txt", "--issuer", ISSUER, "--audience", AUDIENCE]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^TOKEN OK\n/);
    expect(fromFile.stdout).not.toContain(SECRET);
    const fromEnv = await run(["jwt", "validate-hs512", "--json", "--token", token], { PL_AUTH_HS512_SECRET: SECRET });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ header: { alg: "HS512" }, body: { sub: "alice" } });
  });

  test("a wrong secret or an expired token: exit 1, neither secret nor token in the output; no secret is a usage error; no --secret option exists", async () => {
    const wrongSecret = "not-the-secret-but-also-long-enough-to-be-a-plausible-hs512-key!";
    const token = await hs512(claims(), wrongSecret);
    expectRejected(await run(["jwt", "validate-hs512", "--token", token, "--secret-file", "secret.txt"]), "the signature does not verify with the given key", token, SECRET, wrongSecret);
    const expired = await hs512(claims({ iat: now() - 1200, exp: now() - 600 }));
    expectRejected(await run(["jwt", "validate-hs512", "--token", expired], { PL_AUTH_HS512_SECRET: SECRET }), "the token has expired", expired, SECRET);
    expectRejected(await run(["jwt", "validate-hs512", "--token", await rs256(), "--secret-file", "secret.txt"]), "the token is not signed with HS512");
    expect(await run(["jwt", "validate-hs512", "--token", token]))
      .toMatchObject({ code: 2, stderr: "Error: A shared secret must be provided with --secret-file or PL_AUTH_HS512_SECRET.\n" });
    const onArgv = await run(["jwt", "validate-hs512", "--token", token, "--secret", SECRET]);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toMatch(/unknown option '--secret'/);
  });
});

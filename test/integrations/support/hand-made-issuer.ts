/**
 * An issuer made by hand on 127.0.0.1: one key per JWS algorithm the middleware accepts (each JWK
 * declares its `alg`), a JWKS endpoint that can fail (HTTP 500) or stop listening and come back on its
 * port, metadata served as OpenID discovery or only as RFC 8414 authorization-server metadata, and a
 * count of every request. Tokens are signed with jose, or assembled raw for the attacks (`none`, HMAC).
 */
import { createHmac, KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type JWK } from "jose";

export const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export type MetadataKind = "openid" | "rfc8414";

export interface HandMadeIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly keys: Record<Algorithm, SigningKey>;
  /** Requests per path. */
  readonly hits: Record<string, number>;
  /** `ok`: serve; `error`: HTTP 500; `down`: the port refuses connections. */
  jwks(state: "ok" | "error" | "down"): Promise<void>;
  /** `error`: the metadata document answers HTTP 500. */
  metadata(state: "ok" | "error"): void;
  /** Sign `claims` (defaults: this issuer, `audience`, one hour) with the key of `alg`. */
  sign(alg: Algorithm, claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** A token with `alg: none` and no signature. */
  unsigned(claims?: Record<string, unknown>): string;
  /** HS256 keyed with the RS256 key's public JWK text (the algorithm-confusion attack). */
  hmacWithPublicKey(claims?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

const b64u = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

async function signingKey(alg: Algorithm): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  const kid = `key-${alg.toLowerCase()}`;
  return { kid, privateKey: KeyObject.from(privateKey), publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

let keysPromise: Promise<Record<Algorithm, SigningKey>> | undefined;
/** The keys, made once per test file (RSA generation is the slow part). */
function allKeys(): Promise<Record<Algorithm, SigningKey>> {
  keysPromise ??= Promise.all(ALGORITHMS.map(signingKey)).then((list) => Object.fromEntries(ALGORITHMS.map((a, i) => [a, list[i]])) as Record<Algorithm, SigningKey>);
  return keysPromise;
}

export async function startHandMadeIssuer(options: { audience: string; metadata?: MetadataKind; path?: string }): Promise<HandMadeIssuer> {
  const keys = await allKeys();
  const hits: Record<string, number> = {};
  let state: "ok" | "error" | "down" = "ok";
  let metadataState: "ok" | "error" = "ok";
  let server: Server | undefined;
  let port = 0;
  const path = options.path ?? "";
  const metadataPath = options.metadata === "rfc8414" ? `/.well-known/oauth-authorization-server${path}` : `${path}/.well-known/openid-configuration`;
  const origin = () => `http://127.0.0.1:${port}`;
  const listen = async () => {
    server = createServer((req, res) => {
      const url = req.url ?? "";
      hits[url] = (hits[url] ?? 0) + 1;
      const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (url === metadataPath) {
        if (metadataState === "error") return json(500, { error: "server_error" });
        return json(200, { issuer: `${origin()}${path}`, jwks_uri: `${origin()}/jwks` });
      }
      if (url === "/jwks") {
        if (state === "error") return json(500, { error: "server_error" });
        return json(200, { keys: Object.values(keys).map((k) => k.publicJwk) });
      }
      json(404, { error: "not_found" });
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server!.address() as AddressInfo).port;
  };
  const close = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    current.closeAllConnections();
    await new Promise((resolve) => current.close(resolve));
  };
  await listen();
  const issuer = `${origin()}${path}`;
  const defaults = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: options.audience, sub: "user-1", iat: now, exp: now + 3600, ...claims };
  };
  return {
    issuer,
    jwksUri: `${origin()}/jwks`,
    keys,
    hits,
    async jwks(next) {
      if (next === "down") await close();
      else if (!server) await listen();
      state = next;
    },
    metadata(next) {
      metadataState = next;
    },
    async sign(alg, claims = {}, header = {}) {
      const key = keys[alg];
      return new SignJWT(defaults(claims)).setProtectedHeader({ alg, kid: key.kid, ...header }).sign(key.privateKey);
    },
    unsigned(claims = {}) {
      return `${b64u({ alg: "none", kid: keys.RS256.kid })}.${b64u(defaults(claims))}.`;
    },
    hmacWithPublicKey(claims = {}) {
      const input = `${b64u({ alg: "HS256", kid: keys.RS256.kid })}.${b64u(defaults(claims))}`;
      return `${input}.${createHmac("sha256", JSON.stringify(keys.RS256.publicJwk)).update(input).digest("base64url")}`;
    },
    stop: close,
  };
}

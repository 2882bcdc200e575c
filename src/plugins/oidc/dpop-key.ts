/**
 * The client side of DPoP (RFC 9449): a key pair per profile, and proofs signed with it.
 *
 * The private key is a JWK stored beside the token through the token's storage provider, so it is
 * written 0600, SOPS-encrypted when the token is (`token.sops.json` → `token.dpop.sops.json`), and
 * shared by a fleet that shares its tokens in Redis. It is created on first use, under the storage's
 * lock where it has one, so processes sharing a profile agree on one key. Proofs are signed
 * synchronously (node:crypto), so decorating a request stays free of I/O once the key is loaded.
 *
 * Nonces (RFC 9449 sections 8–9) a server hands out are remembered per origin and put in the next proof
 * for that origin.
 */
import type { KeyObject } from "node:crypto";
import {
  AuthClientException, CorruptObjectException, ObjectNotFoundException, originOf, systemClock, type Clock, type JsonObject, type ObjectStorageProvider,
} from "../../kernel/index.js";
import { accessTokenHash, jwkThumbprint, normalizeHtu } from "./validation/dpop-proof.js";

let crypto: typeof import("node:crypto") | undefined;
const nodeCrypto = () => (crypto ??= process.getBuiltinModule("node:crypto"));

/** The proof algorithm of keys this library creates. */
export const DPOP_KEY_ALGORITHM = "ES256";

/** What a proof is for. */
export interface DpopProofRequest {
  method: string;
  url: string;
  /** The access token sent with the proof (its hash becomes `ath`). */
  accessToken?: string;
}

/** An ES256 (P-256) key pair that signs DPoP proofs. */
export class DpopKey {
  /** The public JWK put in every proof header. */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it. */
  readonly jkt: string;
  readonly #privateKey: KeyObject;
  readonly #header: string;
  readonly #clock: Clock;

  private constructor(privateKey: KeyObject, clock: Clock) {
    const jwk = privateKey.export({ format: "jwk" }) as Record<string, string>;
    if (jwk.kty !== "EC" || jwk.crv !== "P-256") throw new TypeError("A DPoP key must be an EC P-256 key");
    this.publicJwk = Object.freeze({ kty: jwk.kty, crv: jwk.crv, x: jwk.x!, y: jwk.y! });
    this.jkt = jwkThumbprint(this.publicJwk);
    this.#privateKey = privateKey;
    this.#clock = clock;
    this.#header = Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: DPOP_KEY_ALGORITHM, jwk: this.publicJwk })).toString("base64url");
  }

  /** A new ES256 key pair. */
  static generate(clock: Clock = systemClock): DpopKey {
    return new DpopKey(nodeCrypto().generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, clock);
  }

  /** From a stored private JWK. Throws TypeError when it is not an EC P-256 private key. */
  static fromJwk(jwk: JsonObject, clock: Clock = systemClock): DpopKey {
    let key: KeyObject;
    try {
      key = nodeCrypto().createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    } catch {
      throw new TypeError("The stored DPoP key is not a private JWK");
    }
    return new DpopKey(key, clock);
  }

  /** The private JWK, for storage. */
  toJwk(): JsonObject {
    return { ...(this.#privateKey.export({ format: "jwk" }) as JsonObject), alg: DPOP_KEY_ALGORITHM };
  }

  /** A fresh proof for one request (new `jti`, `iat` now), with the server's nonce when one is given. */
  proof(request: DpopProofRequest, nonce?: string): string {
    const c = nodeCrypto();
    const claims: Record<string, unknown> = {
      jti: c.randomUUID(),
      htm: request.method.toUpperCase(),
      htu: normalizeHtu(request.url) ?? request.url,
      iat: Math.floor(this.#clock.now() / 1000),
    };
    if (request.accessToken !== undefined) claims.ath = accessTokenHash(request.accessToken);
    if (nonce !== undefined) claims.nonce = nonce;
    const input = `${this.#header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    const signature = c.sign("sha256", Buffer.from(input), { key: this.#privateKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${signature.toString("base64url")}`;
  }
}

/** Where the DPoP key of a token stored under `tokenKey` is stored: the same name with `.dpop` before its extensions. */
export function dpopKeyPathFor(tokenKey: string): string {
  const slash = Math.max(tokenKey.lastIndexOf("/"), tokenKey.lastIndexOf("\\"));
  const dot = tokenKey.indexOf(".", slash + 1);
  return dot <= slash + 1 ? `${tokenKey}.dpop` : `${tokenKey.slice(0, dot)}.dpop${tokenKey.slice(dot)}`;
}

/**
 * A client's DPoP key: in memory until bound to the token's storage location, then loaded from it
 * (or created and saved there). Also remembers the nonce each server last handed out.
 */
export class DpopKeyHolder {
  readonly #clock: Clock;
  readonly #nonces = new Map<string, string>();
  #path: string | null = null;
  #storage: ObjectStorageProvider | null = null;
  #key: DpopKey | undefined;
  #loading: Promise<DpopKey> | undefined;

  /** A holder with no key yet; `clock` dates the proofs. */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Store the key beside the token stored under `tokenKey` in `storage` (null: keep it in memory only). */
  bindToToken(tokenKey: string | null, storage: ObjectStorageProvider): void {
    const path = tokenKey ? dpopKeyPathFor(tokenKey) : null;
    if (path === this.#path && storage === this.#storage) return;
    this.#path = path;
    this.#storage = path ? storage : null;
    this.#key = undefined;
    this.#loading = undefined;
  }

  /** Where the key is stored, or null when it lives in memory only. */
  path(): string | null {
    return this.#path;
  }

  /** The key when already loaded (synchronous; for decorating a request). */
  loadedKey(): DpopKey | undefined {
    return this.#key;
  }

  /** The key: loaded from storage, or created (and saved) when there is none yet. */
  key(): Promise<DpopKey> {
    if (this.#key) return Promise.resolve(this.#key);
    this.#loading ??= this.#loadOrCreate().then(
      (key) => (this.#key = key),
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }

  /** A proof for `request` with the nonce its origin last gave. Needs the key loaded (`key()`). */
  proof(request: DpopProofRequest): string {
    const key = this.#key;
    if (!key) throw new AuthClientException("The DPoP key is not loaded yet");
    const origin = originOf(request.url);
    return key.proof(request, origin ? this.#nonces.get(origin) : undefined);
  }

  /** Remember the nonce a server at `url`'s origin handed out (a `DPoP-Nonce` response header). */
  rememberNonce(url: string, nonce: string | null | undefined): void {
    const origin = originOf(url);
    // RFC 9449 section 8.1: the nonce is a non-empty NQCHAR string.
    if (origin && typeof nonce === "string" && /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/.test(nonce)) this.#nonces.set(origin, nonce);
  }

  /** The nonce last remembered for `url`'s origin. */
  nonceFor(url: string): string | undefined {
    const origin = originOf(url);
    return origin ? this.#nonces.get(origin) : undefined;
  }

  async #loadOrCreate(): Promise<DpopKey> {
    const path = this.#path;
    const storage = this.#storage;
    if (!path || !storage) return DpopKey.generate(this.#clock);
    const stored = await this.#load(path, storage);
    if (stored) return stored;
    const create = async () => {
      const again = await this.#load(path, storage); // another process may have created it while we waited
      if (again) return again;
      const key = DpopKey.generate(this.#clock);
      await storage.saveObj(path, key.toJwk());
      return key;
    };
    return storage.withLock ? storage.withLock(path, create) : create();
  }

  async #load(path: string, storage: ObjectStorageProvider): Promise<DpopKey | undefined> {
    let jwk: JsonObject;
    try {
      jwk = await storage.loadObj(path);
    } catch (err) {
      if (err instanceof ObjectNotFoundException) return undefined;
      throw err;
    }
    try {
      return DpopKey.fromJwk(jwk, this.#clock);
    } catch {
      // Never replaced silently: tokens bound to it would stop working, and the file may be someone's mistake to look at.
      throw new CorruptObjectException("The stored DPoP key is not an EC P-256 private JWK; move it away to create a new key (and log in again)", { filePath: path });
    }
  }
}

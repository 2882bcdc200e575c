/**
 * Server-provided DPoP nonces (RFC 9449 section 9), stateless: a nonce is a time slot and an HMAC of it, so
 * every replica configured with the same secret issues and accepts the same nonces, and nothing is
 * stored. A nonce is accepted during its own slot and the next one (a client that just received one
 * is not bounced at a slot boundary).
 */
import { type Clock, systemClock } from "../../../kernel/index.js";
import { InvalidArgumentException } from "../token-errors.js";

let crypto: typeof import("node:crypto") | undefined;
const nodeCrypto = () => (crypto ??= process.getBuiltinModule("node:crypto"));

/** Options of `DpopNonces`: the shared secret, the slot length and the clock. */
export interface DpopNonceOptions {
  /**
   * HMAC key shared by the replicas that must accept each other's nonces (at least 32 bytes). Default:
   * a random key of this process, so only its own nonces are accepted.
   */
  secret?: string | Uint8Array;
  /** Slot length, seconds (default 60): a nonce is good for one to two slots. */
  slotSeconds?: number;
  clock?: Clock;
}

/**
 * Issues and checks server-provided DPoP nonces (RFC 9449 section 9) without storing them: a nonce is a time
 * slot and its HMAC, so replicas sharing the secret agree; one is accepted during its own slot and the next.
 */
export class DpopNonces {
  readonly slotSeconds: number;
  readonly #secret: Uint8Array;
  readonly #clock: Clock;
  #cached?: { slot: number; nonce: string };

  /** Nonces from a shared secret of at least 32 bytes (default: a random one, for a single process). */
  constructor(options: DpopNonceOptions = {}) {
    const secret = typeof options.secret === "string" ? Buffer.from(options.secret, "utf8") : options.secret;
    if (secret !== undefined && secret.byteLength < 32) throw new InvalidArgumentException("The DPoP nonce secret must be at least 32 bytes");
    this.#secret = secret ?? nodeCrypto().randomBytes(32);
    const slot = options.slotSeconds ?? 60;
    if (!Number.isInteger(slot) || slot < 1) throw new InvalidArgumentException("The DPoP nonce slotSeconds must be a positive integer");
    this.slotSeconds = slot;
    this.#clock = options.clock ?? systemClock;
  }

  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(): string {
    const slot = this.#slot();
    if (this.#cached?.slot !== slot) this.#cached = { slot, nonce: this.#nonceOf(slot) };
    return this.#cached.nonce;
  }

  /** Whether `nonce` was issued in this slot or the previous one. */
  isValid(nonce: string | undefined): boolean {
    if (typeof nonce !== "string") return false;
    const slot = this.#slot();
    return nonce === this.current() || nonce === this.#nonceOf(slot - 1);
  }

  #slot(): number {
    return Math.floor(this.#clock.now() / 1000 / this.slotSeconds);
  }

  #nonceOf(slot: number): string {
    const mac = nodeCrypto().createHmac("sha256", this.#secret).update(`dpop-nonce:${slot}`).digest("base64url").slice(0, 22);
    return `${slot.toString(36)}.${mac}`;
  }
}

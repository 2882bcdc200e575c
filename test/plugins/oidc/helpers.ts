/** Helpers for the OIDC plugin's unit tests. */
import { createKernel, type AuthKernel, type Clock, type KernelServiceOverrides } from "../../../src/kernel/index.js";
import { oidcPlugin } from "../../../src/plugins/oidc/index.js";

/** A clock the test moves by hand (ms since the epoch). */
export function manualClock(startMs = 1_700_000_000_000): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = startMs;
  return { now: () => now, set: (ms) => void (now = ms), advance: (ms) => void (now += ms) };
}

/** An unsigned JWT-shaped token with the given claims (enough for `_iat`/`_exp` bookkeeping). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.c2ln`;
}

export function oidcKernel(services: KernelServiceOverrides = {}): AuthKernel {
  return createKernel({ plugins: [oidcPlugin], services });
}

/**
 * What the Redis store publishes on its channel: the storage key alone ("this object changed: read
 * it"), `{"released": key}` when a lease is released (the object is unchanged), or, for a write made
 * under a lease, the value written, authenticated with the writer's lease so that a process waiting
 * for that lease can take the value without reading it back.
 *
 * The lease value (`<owner id>:<fence>`) is random and lives only in Redis's key space: a process
 * learns it when it finds the lock busy. A message that anyone able to PUBLISH could forge therefore
 * needs the lease to pass (and a client that can read the lock can also write the value itself).
 */
const crypto = () => process.getBuiltinModule("node:crypto"); // loaded on first use, as everywhere in the library

/** A value written under a lease, as announced. `text` is the stored text (encrypted when the store encrypts). */
export interface AnnouncedValue {
  text: string;
  mtime: number;
  fence: number;
  mac: string;
}

export interface ChangeMessage {
  key: string;
  /** The key's lease was released; its object did not change. */
  released?: boolean;
  value?: AnnouncedValue;
}

/** Larger values are announced by their key only: the waiters read them. */
const MAX_ANNOUNCED_BYTES = 64 * 1024;

function mac(leaseValue: string, key: string, text: string, mtime: number, fence: number): string {
  return crypto().createHmac("sha256", leaseValue).update(JSON.stringify([key, fence, mtime, text])).digest("base64url");
}

/** The message announcing a write of `key` made under the lease `leaseValue` (the key alone when the value is large). */
export function writeMessage(key: string, write: { text: string; mtime: number; fence: number; leaseValue: string }): string {
  if (Buffer.byteLength(write.text) > MAX_ANNOUNCED_BYTES) return key;
  const { text, mtime, fence, leaseValue } = write;
  return JSON.stringify({ key, text, mtime, fence, mac: mac(leaseValue, key, text, mtime, fence) });
}

/** The message announcing the release of `key`'s lease. */
export function releaseMessage(key: string): string {
  return JSON.stringify({ released: key });
}

/** A message as published: a release, a value announcement, or anything else taken as a bare key. */
export function parseChangeMessage(message: string): ChangeMessage {
  if (!message.startsWith('{"')) return { key: message };
  try {
    const { key, text, mtime, fence, mac, released } = JSON.parse(message) as Record<string, unknown>;
    if (typeof released === "string") return { key: released, released: true };
    if (typeof key === "string" && typeof text === "string" && typeof mtime === "number" && typeof fence === "number" && typeof mac === "string") {
      return { key, value: { text, mtime, fence, mac } };
    }
  } catch {
    // not a message of this form: a key that happens to look like one
  }
  return { key: message };
}

/** True when `value` was announced by the holder of the lease `leaseValue` on `key`. */
export function announcedUnder(leaseValue: string, key: string, value: AnnouncedValue): boolean {
  const expected = Buffer.from(mac(leaseValue, key, value.text, value.mtime, value.fence));
  const given = Buffer.from(value.mac);
  return expected.length === given.length && crypto().timingSafeEqual(expected, given);
}

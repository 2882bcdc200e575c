import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "@jest/globals";

/** The SOPS test vectors (copied from shared/fixtures/sops: files made by the real sops, the published test age identities). */
export const FIXTURES = fileURLToPath(new URL("../../fixtures/sops", import.meta.url));
export const KEYS_FILE = path.join(FIXTURES, "keys.txt");
export const PQ_KEYS_FILE = path.join(FIXTURES, "keys-pq.txt");

export interface ManifestEntry {
  file: string;
  format: "json" | "yaml";
  expect: "ok" | "mac-mismatch";
  cleartext?: string;
  dataKeyHex: string;
  recipients: Array<{ recipient: string; identityIn: string }>;
}

export const manifest: ManifestEntry[] = JSON.parse(readFileSync(path.join(FIXTURES, "manifest.json"), "utf8"));

export function fixtureText(rel: string): string {
  return readFileSync(path.join(FIXTURES, rel), "utf8");
}

/** Every secret key line of the fixture key files. */
export function allFixtureIdentities(): string[] {
  return [fixtureText("keys.txt"), fixtureText("keys-pq.txt")]
    .join("\n")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("AGE-SECRET-KEY-"));
}

/** An environment with the fixture identities and a home dir that holds nothing. */
export function fixtureEnv(home: string): { env: Record<string, string>; homeDir: string; sopsBinary: false } {
  return {
    env: { SOPS_AGE_KEY: allFixtureIdentities().join("\n"), HOME: home, PATH: "" },
    homeDir: home,
    sopsBinary: false,
  };
}

export function makeTempDir(prefix = "sops-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Assert an error is the expected class, names the path, and leaks none of `secrets`. */
export function expectCleanError(
  err: unknown,
  cls: abstract new (...args: any[]) => Error,
  filePath: string,
  secrets: readonly string[] = [],
): void {
  expect(err).toBeInstanceOf(cls);
  const message = (err as Error).message;
  expect(message).toContain(filePath);
  expect(message).not.toMatch(/AGE-SECRET-KEY/);
  for (const secret of [...secrets, ...allFixtureIdentities()]) {
    if (secret.length >= 3) expect(message).not.toContain(secret);
  }
  expect((err as { code?: string }).code).toMatch(/^ERR_SOPS/);
}

export async function catchError(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

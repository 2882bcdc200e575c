/**
 * The device flow's terminal QR code (shown through the display seam when the browser is not opened and
 * `displayQrCode` is set) encodes the verification URI, complete form, at error-correction level L.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { encode } from "uqr";
import { Auth, createDefaultKernel } from "../../../src/index.js";
import { startDevIssuer, type DevIssuer } from "../../../src/devtools/index.js";

let op: DevIssuer;
beforeAll(async () => {
  op = await startDevIssuer();
});
afterAll(() => op.stop());

/** Read a half-block QR code back into modules (true = dark): each character holds two rows. */
function modules(block: string): boolean[][] {
  const halves: Record<string, [boolean, boolean]> = { "█": [false, false], "▀": [false, true], "▄": [true, false], " ": [true, true] };
  const rows: boolean[][] = [];
  for (const line of block.split("\n")) {
    const pairs = [...line].map((c) => halves[c] ?? (() => { throw new Error(`not a QR code character: ${JSON.stringify(c)}`); })());
    rows.push(pairs.map(([top]) => top), pairs.map(([, bottom]) => bottom));
  }
  return rows;
}

async function deviceLogin(options: { displayQrCode?: boolean; allowOpenBrowser?: boolean }): Promise<string[]> {
  const user = op.scriptedUser();
  const kernel = createDefaultKernel({ homeDir: () => "/nonexistent-home", services: user.services });
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code"), { kernel });
  await auth.login({ allowTtyPrompt: true, ...options });
  expect(user.deviceCodes).toHaveLength(1);
  return user.shown;
}

test("displayQrCode: a QR code of verification_uri_complete (level L) follows the instructions", async () => {
  const shown = await deviceLogin({ displayQrCode: true });
  expect(shown).toHaveLength(2);
  const uri = /\t(\S+)/.exec(shown[0]!)![1]!;
  expect(uri).toMatch(new RegExp(`^${op.issuer}/device\\?user_code=`));
  const [intro, block] = shown[1]!.split("\n\n");
  expect(intro).toBe("Or scan this QR code:");
  const expected = encode(uri, { ecc: "L", boostEcc: false, border: 2 });
  const read = modules(block!.trimEnd()).slice(0, expected.size);
  expect(read).toEqual(expected.data);
  expect(encode(uri, { ecc: "M", boostEcc: false, border: 2 }).data).not.toEqual(read);
});

test("without displayQrCode, or when the browser is opened, no QR code is shown", async () => {
  const plain = await deviceLogin({});
  expect(plain).toHaveLength(1);
  expect(plain[0]).toContain("enter the code:");
  const browser = await deviceLogin({ displayQrCode: true, allowOpenBrowser: true });
  expect(browser).toHaveLength(1);
  expect(browser[0]).toMatch(/^Opening a browser/);
});

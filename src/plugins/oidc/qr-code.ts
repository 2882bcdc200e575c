/**
 * A terminal QR code for the device flow's verification URI. The encoder (uqr, no dependencies) is
 * imported only when a code is shown, so start-up pays nothing for it.
 */

/** Error-correction level L (7%), the smallest code: a terminal screen does not get dirty. */
export const QR_CODE_OPTIONS = { ecc: "L", boostEcc: false, border: 2 } as const;

/**
 * `text` as a QR code in Unicode half blocks (two modules per character row, light modules drawn),
 * readable by a phone camera from a dark-background terminal.
 */
export async function terminalQrCode(text: string): Promise<string> {
  const { renderUnicodeCompact } = await import("uqr");
  return renderUnicodeCompact(text, QR_CODE_OPTIONS);
}

/** The device-login URL as a QR code made of Unicode half blocks, for scanning from the terminal. */
import { renderUnicodeCompact } from "uqr";

export function encodeQr(text: string): string {
  return renderUnicodeCompact(text, { border: 2 });
}

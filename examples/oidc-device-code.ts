/**
 * Device authorization grant (RFC 8628): the verification URL, the user code and a QR code of the URL
 * are shown through the display seam; here the scripted user of `planet-auth/devtools` approves the code
 * at the provider (a real person would scan it). Starts its own OpenID Provider on 127.0.0.1.
 * Run: npm run example examples/oidc-device-code.ts
 */
import { Auth, createKernel, oidcPlugin } from "planet-auth";
import { startDevIssuer } from "planet-auth/devtools";

const op = await startDevIssuer();
const user = op.scriptedUser({ display: { print: (text) => console.log(text) } }); // the display seam, and the person reading it
const kernel = createKernel({ plugins: [oidcPlugin], services: user.services });
const auth = await Auth.initializeFromConfigDict(
  { client_type: "oidc_device_code", auth_server: op.issuer, client_id: op.clients.device.clientId, scopes: ["openid", "offline_access"] },
  { kernel },
);
const cred = await auth.login({ allowTtyPrompt: true, displayQrCode: true });
console.log("logged in; token keys:", Object.keys(cred.data()!).sort().join(", "));
await op.stop();

/**
 * Device authorization grant (RFC 8628): the user code is shown through the display seam; here a
 * stand-in user approves it at the provider. Starts its own OpenID Provider on 127.0.0.1.
 * Run: npm run example examples/oidc-device-code.ts
 */
import { Auth, createKernel, oidcPlugin, type Sleep, type TtyDisplay } from "planet-auth";
import { startOidcServer } from "../test/support/oidc-server.js";

const op = await startOidcServer();
let approved: Promise<void> = Promise.resolve();
const display: TtyDisplay = {
  print(text) {
    console.log(text);
    const code = /enter the code: (\S+)/.exec(text)?.[1];
    if (code) approved = op.approveDevice(code); // the person at the browser
  },
};
const sleep: Sleep = async () => approved; // poll as soon as the user approved
const kernel = createKernel({ plugins: [oidcPlugin], services: { display, sleep } });
const auth = await Auth.initializeFromConfigDict(
  { client_type: "oidc_device_code", auth_server: op.issuer, client_id: op.clients.device.clientId, scopes: ["openid", "offline_access"] },
  { kernel },
);
const cred = await auth.login({ allowTtyPrompt: true });
console.log("logged in; token keys:", Object.keys(cred.data()!).sort().join(", "));
await op.stop();

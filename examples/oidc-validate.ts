/**
 * A resource server trusting two issuers: OidcMultiIssuerValidator validates access tokens locally
 * (signature via JWKS, issuer, audience, scopes). Starts two OpenID Providers on 127.0.0.1.
 * Run: npm run example examples/oidc-validate.ts
 */
import { createKernel, InvalidTokenException, OidcMultiIssuerValidator, oidcPlugin } from "planet-auth";
import { startDevIssuer } from "planet-auth/devtools";

const [a, b] = await Promise.all([startDevIssuer(), startDevIssuer()]);
const kernel = createKernel({ plugins: [oidcPlugin] });
const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([a.issuer, b.issuer], { kernel, audience: a.apiAudience, logResult: false });
for (const op of [a, b]) {
  const token = (await op.clientCredentialsTokens({ scope: "api:read" })).access_token as string;
  const [claims] = await validator.validateAccessToken(token, { scopesAnyof: ["api:read"] });
  console.log("accepted token from", claims.iss, "for client", claims.client_id);
}
try {
  await validator.validateAccessToken("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZS8ifQ.c2ln");
} catch (err) {
  console.log("rejected:", err instanceof InvalidTokenException, (err as InvalidTokenException).event());
}
await Promise.all([a.stop(), b.stop()]);

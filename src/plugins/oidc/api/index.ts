/** The OIDC protocol layer: endpoint clients, client-authentication strategies, PKCE, the loopback listener. */
export * from "./api-client.js";
export * from "./client-auth.js";
export * from "./discovery.js";
export * from "./token.js";
export * from "./device-authorization.js";
export * from "./introspection.js";
export * from "./revocation.js";
export * from "./userinfo.js";
export * from "./jwks.js";
export * from "./pkce.js";
export * from "./authorization.js";
export * from "./callback-listener.js";

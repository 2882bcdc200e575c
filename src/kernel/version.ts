/** The library version; kept in step with package.json by test/kernel/version.test.ts. */
export const LIBRARY_VERSION = "0.1.0";
/** Value of the `X-Planet-App` header this library adds to every request it makes or decorates. */
export const X_PLANET_APP_HEADER = "X-Planet-App";
/** The `X-Planet-App` value every authenticator sends: `planet-auth-library-ts-<version>`. */
export const X_PLANET_APP = `planet-auth-library-ts-${LIBRARY_VERSION}`;

import { AuthException, type ErrorCode } from "../kernel/index.js";

declare module "../kernel/index.js" {
  interface ErrorCodes {
    ERR_DEVTOOLS: DevtoolsException;
  }
}

/** A development issuer could not start: a missing optional dependency, or a host that is not loopback. */
export class DevtoolsException extends AuthException {
  static override readonly code: ErrorCode = "ERR_DEVTOOLS";
}

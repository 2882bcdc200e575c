import { AuthException } from "../kernel/errors.js";

/** A development issuer could not start: a missing optional dependency, or a host that is not loopback. */
export class DevtoolsException extends AuthException {
  static override readonly code: string = "ERR_DEVTOOLS";
}

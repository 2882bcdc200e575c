import type { DependencyContainer } from "tsyringe";
import type { ServiceResolver } from "./container.js";
import type { Clock, Sleep, BrowserOpener, TtyPrompt, TtyDisplay, Environment } from "./seams.js";
import type { HttpClient } from "./http.js";
import type { AuthLogger } from "./logging.js";
import type { ObjectStorageProvider } from "./storage-provider.js";
import type { SecretNames } from "./redact.js";

/**
 * The seams resolved from one kernel's container, handed to configs, clients, credentials and
 * authenticators. Resolved once per kernel (and again after an override), so the request hot path
 * never touches the container. `resolve` reaches any other service of the same kernel, e.g. one a
 * plugin provided; resolve it once (in a constructor), not per request.
 */
export interface KernelServices extends ServiceResolver {
  /** The kernel's own tsyringe container (no parent). */
  readonly container: DependencyContainer;
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly browserOpener: BrowserOpener;
  readonly prompt: TtyPrompt;
  readonly display: TtyDisplay;
  readonly logger: AuthLogger;
  /** Environment variables (e.g. PL_AUTH_PROFILE). */
  readonly env: Environment;
  /** The default storage provider (filesystem under the home directory, with plugin formats). */
  readonly storage: ObjectStorageProvider;
  /** What this kernel's logs and errors redact (schemas' `x-secret` fields, plugins' secret names): e.g. for `quoteServerText`. */
  readonly secretNames: SecretNames;
}

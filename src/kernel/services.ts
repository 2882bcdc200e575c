import type { DependencyContainer } from "tsyringe";
import type { Clock, Sleep, BrowserOpener, TtyPrompt, TtyDisplay, Environment } from "./seams.js";
import type { HttpClient } from "./http.js";
import type { AuthLogger } from "./logging.js";
import type { ObjectStorageProvider } from "./storage-provider.js";

/**
 * The seams resolved from one kernel's container, handed to configs, clients, credentials and
 * authenticators. Resolved once per kernel so the request hot path never touches the container.
 */
export interface KernelServices {
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
}

import { CredentialRequestAuthenticator, type Credential } from "../../kernel/index.js";
import { FileBackedPlanetLegacyApiKey } from "./credential.js";

/** `Authorization: api-key <key>`; the key is loaded from storage once, on first use. */
export class PlanetLegacyRequestAuthenticator extends CredentialRequestAuthenticator<FileBackedPlanetLegacyApiKey> {
  static readonly TOKEN_PREFIX = "api-key";
  override tokenPrefix: string | null = PlanetLegacyRequestAuthenticator.TOKEN_PREFIX;
  override clientType: string | null = "planet_legacy";

  protected override checkCredentialType(credential: Credential): void {
    if (!(credential instanceof FileBackedPlanetLegacyApiKey)) {
      throw new TypeError(`Expected a FileBackedPlanetLegacyApiKey, got ${credential?.constructor?.name}`);
    }
  }

  preRequestHook(): void | Promise<void> {
    const cred = this._credential;
    if (!cred || this.tokenBody) return;
    if (cred.isLoaded() || !cred.path()) {
      this.tokenBody = (cred.data()?.key as string | undefined) ?? null;
      return;
    }
    return cred.lazyLoad().then(() => {
      this.tokenBody = (cred.data()?.key as string | undefined) ?? null;
    });
  }
}

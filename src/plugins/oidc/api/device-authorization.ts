/** The device authorization endpoint (RFC 8628 section 3.1). */
import { DeviceAuthorizationApiException } from "../errors.js";
import { OidcApiClient, composeParams, joinList, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";
import type { ClientAuthStrategy } from "./client-auth.js";

export interface DeviceAuthorizationResponse extends JsonObject {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

export interface DeviceAuthorizationParams extends CallOptions {
  requestedScopes?: readonly string[];
  requestedAudiences?: readonly string[];
  extra?: Record<string, unknown>;
  clientAuth?: ClientAuthStrategy;
}

const REQUIRED_FIELDS = ["device_code", "user_code", "verification_uri", "expires_in"] as const;
const initiationTimes = new WeakMap<object, number>();

/** When `response` was requested (Clock ms), if it came from a DeviceAuthorizationApiClient. */
export function deviceAuthorizationInitiatedAt(response: object): number | undefined {
  return initiationTimes.get(response);
}

export class DeviceAuthorizationApiClient extends OidcApiClient {
  /** A client of the device authorization endpoint at `deviceAuthorizationUri`. */
  constructor(options: ApiClientDeps & { deviceAuthorizationUri: string }) {
    super(options, options.deviceAuthorizationUri);
  }

  /**
   * POST the device authorization request; the response must have truthy `device_code`, `user_code`,
   * `verification_uri`, `expires_in` (else DeviceAuthorizationApiException naming the field). The whole
   * response is returned; its request time is remembered for the polling deadline.
   */
  async initiate(p: DeviceAuthorizationParams = {}): Promise<DeviceAuthorizationResponse> {
    const startedAt = this.clock.now();
    const res = await this.postFormJson(
      composeParams(p.extra, { scope: joinList(p.requestedScopes), audience: joinList(p.requestedAudiences) }),
      p.clientAuth,
      p,
    );
    for (const field of REQUIRED_FIELDS) {
      if (!res[field]) throw new DeviceAuthorizationApiException(`Invalid device authorization response: missing ${field}`);
    }
    initiationTimes.set(res, startedAt);
    return res as DeviceAuthorizationResponse;
  }
}

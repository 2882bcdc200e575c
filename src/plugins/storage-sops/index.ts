/** storage-sops: SOPS-encrypted (age) JSON storage, natively; the `sops` binary only for other key types. */
export {
  SopsException,
  SopsFormatException,
  SopsDecryptionException,
  SopsNoIdentityException,
  SopsMacMismatchException,
  SopsNoRecipientsException,
  SopsUnsupportedKeyTypeException,
  SopsBinaryException,
  SopsConfigException,
} from "./errors.js";
export {
  decryptSops,
  decryptSopsToOrdered,
  encryptSops,
  DEFAULT_SOPS_VERSION,
  type SopsCodecOptions,
  type SopsDecryptOptions,
  type SopsEncryptOptions,
} from "./sops-codec.js";
export {
  createSopsStorageFormat,
  isSopsKey,
  SOPS_JSON_SUFFIX,
  type SopsStorageFormat,
  type SopsStorageFormatOptions,
} from "./sops-storage-format.js";
export { SopsStorageProvider, type SopsStorageProviderOptions } from "./sops-storage-provider.js";
export {
  resolveEnvironment,
  userConfigDir,
  defaultAgeKeyFile,
  parseAgeIdentities,
  loadAgeIdentities,
  parseRecipients,
  findSopsConfig,
  creationRuleFor,
  type SopsEnvironment,
  type SopsEnvironmentOptions,
  type CreationRule,
  type LoadedIdentities,
} from "./age-keys.js";
export type { PartialEncryption, SopsMetadata, SopsAgeEntry, DocumentKind } from "./sops-format.js";
export { storageSopsPlugin, createStorageSopsPlugin, STORAGE_SOPS_PLUGIN_NAME } from "./plugin.js";

/**
 * SOPS-specific exceptions. All are FileBackedJsonObjectExceptions that name the file (the message
 * ends with " (File: <path>)") and the reason, and never carry cleartext or key material.
 */
import { FileBackedJsonObjectException, type ErrorCode } from "../../kernel/index.js";

declare module "../../kernel/index.js" {
  interface ErrorCodes {
    ERR_SOPS: SopsException;
    ERR_SOPS_FORMAT: SopsFormatException;
    ERR_SOPS_DECRYPT: SopsDecryptionException;
    ERR_SOPS_NO_IDENTITY: SopsNoIdentityException;
    ERR_SOPS_MAC_MISMATCH: SopsMacMismatchException;
    ERR_SOPS_NO_RECIPIENTS: SopsNoRecipientsException;
    ERR_SOPS_UNSUPPORTED_KEY_TYPE: SopsUnsupportedKeyTypeException;
    ERR_SOPS_BINARY: SopsBinaryException;
    ERR_SOPS_CONFIG: SopsConfigException;
  }
}

/** Base of every SOPS failure. */
export class SopsException extends FileBackedJsonObjectException {
  static override readonly code: ErrorCode = "ERR_SOPS";
}
/** The text is not a SOPS document, or its `sops` metadata is malformed or incomplete. */
export class SopsFormatException extends SopsException {
  static override readonly code: ErrorCode = "ERR_SOPS_FORMAT";
}
/** The data key or a value could not be decrypted (wrong key, tampered value/IV/tag). */
export class SopsDecryptionException extends SopsException {
  static override readonly code: ErrorCode = "ERR_SOPS_DECRYPT";
}
/** None of the available age identities matches any of the file's age recipients. */
export class SopsNoIdentityException extends SopsDecryptionException {
  static override readonly code: ErrorCode = "ERR_SOPS_NO_IDENTITY";
}
/** Every value decrypted, but the MAC over them does not match the file's MAC. */
export class SopsMacMismatchException extends SopsDecryptionException {
  static override readonly code: ErrorCode = "ERR_SOPS_MAC_MISMATCH";
}
/** A new file cannot be encrypted: no recipients were configured (.sops.yaml, SOPS_AGE_RECIPIENTS). */
export class SopsNoRecipientsException extends SopsException {
  static override readonly code: ErrorCode = "ERR_SOPS_NO_RECIPIENTS";
}
/** The file's keys need a backend other than age (PGP, KMS, Vault, key groups) and no `sops` binary is available. */
export class SopsUnsupportedKeyTypeException extends SopsException {
  static override readonly code: ErrorCode = "ERR_SOPS_UNSUPPORTED_KEY_TYPE";
}
/** The `sops` binary (fallback for non-age keys) failed. */
export class SopsBinaryException extends SopsException {
  static override readonly code: ErrorCode = "ERR_SOPS_BINARY";
}
/** The configuration (.sops.yaml, identity files) could not be read or is invalid. */
export class SopsConfigException extends SopsException {
  static override readonly code: ErrorCode = "ERR_SOPS_CONFIG";
}

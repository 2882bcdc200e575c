/**
 * The storage formats an object given no storage provider is stored with, as in the Python library,
 * whose default provider is the filesystem with its encrypted format: the package entry point
 * installs the built-in plugins' formats here, next to the default kernel's factory. A function,
 * not a registry: each call returns the formats anew, and nothing a kernel does changes them.
 *
 * The same formats say which file names announce encrypted content: a provider the library ships
 * that does not have the format claiming such a name refuses to read or write it as plain JSON,
 * so an encrypted profile file is never written in clear.
 */
import { StorageException } from "../errors.js";
import type { StorageFormat } from "../storage-provider.js";

let installed: () => readonly StorageFormat[] = () => [];

/** Install the default storage formats (the package entry point does, with the built-in plugins'). */
export function setDefaultStorageFormats(formats: () => readonly StorageFormat[]): void {
  installed = formats;
}

/** The default storage formats, in order; none until the package entry point installs them. */
export function defaultStorageFormats(): readonly StorageFormat[] {
  return installed();
}

/**
 * Throws when one of the default formats claims `key`: a provider without that format must not
 * store it as plain JSON. `filePath` is where the object lives, for the message.
 */
export function refusePlainStorageOfFormatKey(key: string, filePath: string): void {
  const format = installed().find((f) => f.matches(key));
  if (!format) return;
  throw new StorageException(
    `The file name announces the ${format.name} format, but this storage provider has no ${format.name} format: ` +
      `it is neither read nor written as plain JSON. Register the plugin that provides the ${format.name} format ` +
      `(the package's built-in plugins do), or choose another file name`,
    { filePath },
  );
}

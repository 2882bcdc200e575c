/**
 * Heavy dependencies (crypto, formats, protocols) are imported when first needed, at an async point,
 * so importing the package stays cheap.
 */

/** `load` runs on the first call only and every call shares its promise; a failed load is tried again. */
export function lazyLoader<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
}

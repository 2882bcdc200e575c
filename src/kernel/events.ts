/**
 * Machine-readable categories for log lines and exceptions (values equal their names). The kernel
 * defines only `TRACE`; plugins add their own events by extending {@link AuthEventRegistry} through
 * declaration merging and exporting a constant object of the new names:
 *
 * ```ts
 * declare module "planet-auth" { interface AuthEventRegistry { MY_EVENT: true } }
 * export const MyEvent = { MY_EVENT: "MY_EVENT" } as const;
 * ```
 */
export interface AuthEventRegistry {
  TRACE: true;
}

/** Every event name known to the program: the kernel's and those plugins declared. */
export type AuthEvent = Extract<keyof AuthEventRegistry, string>;

export const AuthEvent = {
  TRACE: "TRACE",
} as const;

/** Errors the CLI reports as `Error: <message>`: exit 1 for a failed command, 2 for bad usage. */
export class CliError extends Error {
  readonly exitCode: number;
  /** An error `plauth` reports as `message`, exiting with `exitCode`. */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  /** A usage error: `plauth` reports it with the command's usage and exits with status 2. */
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** The person cancelled a dialog: prints `Canceled`, exit 1. */
export class CanceledError extends CliError {
  /** The user canceled a dialog; `plauth` exits with status 1. */
  constructor() {
    super("Canceled", 1);
    this.name = "CanceledError";
  }
}

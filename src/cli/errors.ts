/** Errors the CLI reports as `Error: <message>`: exit 1 for a failed command, 2 for bad usage. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** The person cancelled a dialog: prints `Canceled`, exit 1. */
export class CanceledError extends CliError {
  constructor() {
    super("Canceled", 1);
    this.name = "CanceledError";
  }
}

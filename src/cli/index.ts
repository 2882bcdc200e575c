/** plauth as a library: the program, the embeddable command tree, the reusable options and seams. */
export { createPlauthProgram, createPlauthEmbeddedCommand, runPlauth, runCommand, plauthOptions, type PlauthProgramOptions } from "./program.js";
export { createRuntime, cliBrowserOpener, type CliIo, type PlauthRuntime, type RuntimeOptions, type ContextRequest } from "./runtime.js";
export { inquirerPrompts, linePrompts, type CliPrompts, type Choice } from "./prompts.js";
export { CliError, UsageError, CanceledError } from "./errors.js";

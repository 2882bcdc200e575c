// Preload with `--import`: appends the URL of every module the process resolves to the file named in
// RECORD_IMPORTS_TO (loader hooks run on their own thread, so the path travels as registration data).
import { register } from "node:module";

register("./record-imports-hooks.mjs", import.meta.url, { data: { file: process.env.RECORD_IMPORTS_TO } });

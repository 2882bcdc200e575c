#!/usr/bin/env node
/** The `plauth` executable. */
import { runPlauth } from "./program.js";

process.exitCode = await runPlauth(process.argv.slice(2));

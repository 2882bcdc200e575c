// A host application's own plauth, built with a namespace: every variable is ACME_-prefixed.
import { runPlauth } from "../../../dist/cli/index.js";

process.exitCode = await runPlauth(process.argv.slice(2), { namespace: "ACME" });

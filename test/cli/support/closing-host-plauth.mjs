// A host application's plauth that builds the run's kernel itself (a kernel function): the kernel
// writes $CLOSED_MARKER when it is closed, so a test can see that the run closed it. Its prompt
// asks on stdout and reads one line of standard input.
import { writeFileSync } from "node:fs";
import { builtinPlugins, createKernel } from "../../../dist/index.js";
import { runPlauth } from "../../../dist/cli/index.js";

const prompt = {
  prompt: (question) => {
    process.stdout.write(`${question}\n`);
    return new Promise((resolve) => process.stdin.once("data", (line) => resolve(String(line).trim())));
  },
};
const kernel = async () => {
  const k = createKernel({ plugins: builtinPlugins, homeDir: () => process.env.HOME, services: { prompt } });
  k.onClose(() => writeFileSync(process.env.CLOSED_MARKER, "closed"));
  return k;
};
process.exitCode = await runPlauth(process.argv.slice(2), { kernel });

// The other member of the project's group: swaps `TARGET` between a symbolic link to `LINK_TO` (a
// file root owns) and its own module, as fast as it can, until killed.
import { renameSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

const target = process.env.TARGET;
const spare = path.join(path.dirname(target), `.swap-${process.pid}`);
const evil = `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(process.env.MARKER)}, "ran");\nexport default {};\n`;
for (let i = 0; ; i++) {
  try {
    if (i % 2) symlinkSync(process.env.LINK_TO, spare);
    else writeFileSync(spare, evil, { mode: 0o644 });
    renameSync(spare, target);
  } catch {
    // the victim may be reading it: try again
  }
}

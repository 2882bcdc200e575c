// A scripted $EDITOR for `plauth profile edit` tests: records what it was given in $EDIT_LOG, then
// edits the file as $EDIT_MERGE (JSON merged into the object), $EDIT_TEXT (replaces the text) or
// $EDIT_EXIT (exits with that code, touching nothing) say; with none of them it changes nothing.
// $EDIT_SIGNAL_PARENT sends that signal to plauth first and waits to be ended.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout } from "node:timers";

const file = process.argv[process.argv.length - 1];
const text = readFileSync(file, "utf8");
if (process.env.EDIT_LOG) {
  const mode = (p) => (statSync(p).mode & 0o777).toString(8);
  writeFileSync(process.env.EDIT_LOG, JSON.stringify({ file, args: process.argv.slice(2), text, fileMode: mode(file), dirMode: mode(path.dirname(file)) }));
}
if (process.env.EDIT_SIGNAL_PARENT) {
  process.kill(process.ppid, process.env.EDIT_SIGNAL_PARENT);
  setTimeout(() => process.exit(0), 1000);
} else if (process.env.EDIT_EXIT) process.exit(Number(process.env.EDIT_EXIT));
else if (process.env.EDIT_MERGE) writeFileSync(file, JSON.stringify({ ...JSON.parse(text), ...JSON.parse(process.env.EDIT_MERGE) }, null, 2));
else if (process.env.EDIT_TEXT !== undefined) writeFileSync(file, process.env.EDIT_TEXT);

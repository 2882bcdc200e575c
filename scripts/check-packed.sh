#!/usr/bin/env bash
# The package as a consumer gets it: `npm pack` (which builds first), install the tarball into a fresh
# project (dependencies from the npm cache where possible), then in that project:
#   - a strict `tsc` (skipLibCheck off) over examples/static-apikey.ts and every TypeScript block of the
#     README (scripts/readme-blocks.mjs), beside the HTTP clients and frameworks the README uses; then run
#     the compiled example;
#   - require("planet-auth") from CommonJS, and the schemas through their subpath;
#   - the shipped declaration files cite no document outside the package;
#   - every source map carries its sources inline;
#   - examples/plugin-token-exchange, a third-party plugin package, copied out of the repository,
#     installs the tarball as its planet-auth peer, builds (strict tsc) and passes its node:test suite
#     (which runs planet-auth/testing's conformance checks).
#   - the `plauth` bin runs;
#   - planet-auth's dependencies bring no duplicate package beyond the known ones (README).
# Run from anywhere: scripts/check-packed.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/planet-auth-packed-XXXXXX")"
if [ -n "${KEEP_PACKED_WORKDIR:-}" ]; then echo "check-packed: keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
fail() { echo "check-packed: FAILED — $*" >&2; exit 1; }

cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$work/$tarball" ] || fail "npm pack produced no tarball"
# The version of a package this repository installs (its lock file's), for the consumer to match.
dev_version() { node -p "require('$root/node_modules/$1/package.json').version"; }
ts_version="$(dev_version typescript)"
types_node_version="$(dev_version @types/node)"

consumer="$work/consumer"
mkdir -p "$consumer/src"
cd "$consumer"
cat > package.json <<'JSON'
{ "name": "planet-auth-consumer", "private": true, "type": "module" }
JSON
# What the README's blocks import beside planet-auth (the versions this repository tests with).
readme_deps=()
for dep in got axios express @types/express fastify ioredis oidc-provider; do
  readme_deps+=("$dep@$(dev_version "$dep")")
done
npm install --prefer-offline --no-audit --no-fund --silent \
  "$work/$tarball" "typescript@$ts_version" "@types/node@$types_node_version" "${readme_deps[@]}" \
  || fail "npm install of $tarball into a fresh project"

cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2022"],
    "types": ["node"], "strict": true, "noUncheckedIndexedAccess": true, "noImplicitOverride": true,
    "exactOptionalPropertyTypes": true, "skipLibCheck": false, "rootDir": "src", "outDir": "out"
  },
  "include": ["src"]
}
JSON
cp "$root/examples/static-apikey.ts" src/example.ts
node "$root/scripts/readme-blocks.mjs" src/readme "$root/README.md"
npx --no-install tsc -p . || fail "strict tsc in the consumer project (src/readme/readme-L<n>.ts is the README block at line <n>)"
node out/example.js || fail "running the example in the consumer project"

node -e '
  const pkg = require("planet-auth");
  if (typeof pkg.Auth !== "function") throw new Error("require(\"planet-auth\") has no Auth");
  require.resolve("planet-auth/schemas/auth_client.schema.json");
' || fail "require(\"planet-auth\") / planet-auth/schemas/* from CommonJS"

# Packages of which a consumer gets two versions through planet-auth's own dependencies. Each one listed
# here is caused by a dependency's range, not planet-auth's (README "Installing and using the package");
# any other duplicate fails the check.
npm ls --all --json --omit=dev > "$work/tree.json" 2>/dev/null || true
node -e '
  const tree = require(process.argv[1]);
  const known = new Set(["signal-exit", "@noble/curves", "@noble/hashes"]);
  const versions = new Map();
  (function walk(node, name) {
    if (name && node.version) versions.set(name, (versions.get(name) ?? new Set()).add(node.version));
    for (const [dep, child] of Object.entries(node.dependencies ?? {})) walk(child, dep);
  })(tree.dependencies["planet-auth"], "planet-auth");
  const dupes = [...versions].filter(([, v]) => v.size > 1).map(([name, v]) => `${name} ${[...v].join(" ")}`);
  const unknown = dupes.filter((d) => !known.has(d.split(" ")[0]));
  console.log(`check-packed: duplicated in the consumer tree: ${dupes.join(", ") || "none"}`);
  if (unknown.length) { console.error("new duplicates (remove them, or list them with their reason):", unknown.join(", ")); process.exit(1); }
' "$work/tree.json" || fail "duplicate packages in a consumer's tree"

[ "$(npx --no-install plauth version)" = "planet-auth : $(node -p "require('$root/package.json').version")" ] \
  || fail "the plauth bin in the consumer project"

installed="$consumer/node_modules/planet-auth"
if grep -rnE '\.\./shared|DESIGN\.md|[a-z-]+\.md( §|\b)|\bgap [A-Z][0-9]+' --include='*.d.ts' "$installed/dist"; then
  fail "declaration files cite documents outside the package (lines above)"
fi
node -e '
  const fs = require("fs"), path = require("path");
  const maps = fs.readdirSync(process.argv[1], { recursive: true }).filter((f) => f.endsWith(".js.map"));
  const bad = maps.filter((f) => {
    const m = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    return !m.sourcesContent || m.sourcesContent.length !== m.sources.length || m.sourcesContent.some((s) => typeof s !== "string");
  });
  if (!maps.length || bad.length) { console.error("source maps without inline sources:", bad.join(", ") || "(none shipped)"); process.exit(1); }
' "$installed/dist" || fail "source maps"

plugin="$work/plugin-token-exchange"
mkdir -p "$plugin"
(cd "$root/examples/plugin-token-exchange" && tar --exclude=node_modules --exclude=dist -cf - .) | (cd "$plugin" && tar -xf -)
cd "$plugin"
npm install --prefer-offline --no-audit --no-fund --silent --no-save "$work/$tarball" \
  || fail "npm install of the plugin example's dependencies and $tarball"
npm test || fail "the plugin example (examples/plugin-token-exchange) against the packed planet-auth"

echo "check-packed: OK — $tarball installed in a fresh project: strict tsc of the example and the README blocks, example run, require(), schemas, declarations, source maps and the plauth bin; the plugin example builds and passes its tests against it"

/**
 * The subset of npm's semver ranges a plugin manifest needs to say which planet-auth versions it
 * works with: `1.2.3`, `=1.2.3`, `>=`, `>`, `<=`, `<`, `^1.2.3`, `~1.2.3`, `*`, comparators joined
 * by spaces (all must hold) and alternatives joined by `||`. Pre-release tags order before their
 * release (1.0.0-rc.1 < 1.0.0) and are otherwise compared as text.
 */

type Version = readonly [number, number, number, string];
type Comparator = (v: Version) => boolean;

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parseVersion(text: string): Version | null {
  const m = VERSION.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ""] : null;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  if (a[3] === b[3]) return 0;
  if (!a[3]) return 1;
  if (!b[3]) return -1;
  return a[3] < b[3] ? -1 : 1;
}

function comparator(text: string): Comparator | null {
  if (text === "*" || text === "x") return () => true;
  const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(text);
  const v = m && parseVersion(m[2]!);
  if (!m || !v) return null;
  const [major, minor, patch] = v;
  const atLeast = (x: Version) => compare(x, v) >= 0;
  switch (m[1]) {
    case ">=": return atLeast;
    case ">": return (x) => compare(x, v) > 0;
    case "<=": return (x) => compare(x, v) <= 0;
    case "<": return (x) => compare(x, v) < 0;
    case "~": return (x) => atLeast(x) && x[0] === major && x[1] === minor;
    case "^":
      // The left-most non-zero part may not change: ^1.2.3 <2.0.0, ^0.2.3 <0.3.0, ^0.0.3 <0.0.4.
      if (major > 0) return (x) => atLeast(x) && x[0] === major;
      if (minor > 0) return (x) => atLeast(x) && x[0] === 0 && x[1] === minor;
      return (x) => atLeast(x) && x[0] === 0 && x[1] === 0 && x[2] === patch;
    default: return (x) => compare(x, v) === 0;
  }
}

/** Parse a range; null when it uses syntax outside the supported subset. */
export function parseVersionRange(range: string): ((version: string) => boolean) | null {
  const alternatives: Comparator[][] = [];
  for (const alt of range.split("||")) {
    const parts = alt.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return null;
    const comparators = parts.map(comparator);
    if (comparators.some((c) => c === null)) return null;
    alternatives.push(comparators as Comparator[]);
  }
  return (version) => {
    const v = parseVersion(version);
    return v !== null && alternatives.some((all) => all.every((c) => c(v)));
  };
}

/** Whether `version` satisfies `range` (false for a range outside the supported subset). */
export function satisfiesVersionRange(version: string, range: string): boolean {
  return parseVersionRange(range)?.(version) ?? false;
}

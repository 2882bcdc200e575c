/**
 * The README's table of contents lists every "## " heading, in order, with the anchor GitHub gives it,
 * so a section added or renamed is reachable from the top.
 */
import { expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const README = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../../README.md"), "utf8");

/** GitHub's heading anchor: lower case, punctuation other than "-" and "_" dropped, spaces to "-". */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, "").replace(/ /g, "-");
}

function expectedToc(markdown: string): string[] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("## ") && line !== "## Contents")
    .map((line) => line.slice(3))
    .map((heading) => `- [${heading.replace(/`/g, "")}](#${anchor(heading)})`);
}

test("the README's contents list every section heading, in order, with its anchor", () => {
  const toc = /<!-- toc:[^\n]*-->\n([\s\S]*?)\n<!-- \/toc -->/.exec(README);
  expect(toc).not.toBeNull();
  const expected = expectedToc(README);
  expect(expected.length).toBeGreaterThan(10);
  expect(toc![1]!.split("\n")).toEqual(expected);
});

test("the anchor rule is GitHub's for the headings this README uses", () => {
  expect(anchor("OAuth2 / OIDC (`oidcPlugin`)")).toBe("oauth2--oidc-oidcplugin");
  expect(anchor("Testing your application (`planet-auth/devtools`)")).toBe("testing-your-application-planet-authdevtools");
  expect(anchor("Choosing the identity: `PlanetAuthFactory`")).toBe("choosing-the-identity-planetauthfactory");
});

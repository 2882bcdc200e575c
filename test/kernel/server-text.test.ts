/** quoteServerText: what an error may quote of a server's text when that server echoes what it was sent. */
import { describe, expect, test } from "@jest/globals";
import { SecretNames, type HttpRequest } from "../../src/index.js";
import { MAX_SERVER_TEXT, quoteServerText } from "../../src/plugin-kit.js";

const names = new SecretNames().add(["client_secret", "password"]);
const SECRET = "s3cr3t/with+odd chars&=";

describe("quoteServerText", () => {
  test("removes a secret form field in every encoding a server may echo it in; other fields stay", () => {
    const request: HttpRequest = { method: "POST", url: "https://as.example/token", form: { client_id: "app", client_secret: SECRET } };
    const echoed = `raw ${SECRET} pct ${encodeURIComponent(SECRET)} form ${new URLSearchParams({ s: SECRET }).toString().slice(2)} json ${JSON.stringify(SECRET)} id app`;
    const quoted = quoteServerText(echoed, request, names);
    expect(quoted).not.toContain("s3cr3t");
    expect(quoted).toBe('raw <redacted> pct <redacted> form <redacted> json "<redacted>" id app');
  });

  test("removes Basic credentials, decoded too, and JSON body secrets; a secret is removed before the text is shortened", () => {
    const basic = Buffer.from(`app:${encodeURIComponent(SECRET)}`).toString("base64");
    const request: HttpRequest = { method: "POST", url: "https://as.example/login", headers: { Authorization: `Basic ${basic}` }, json: { email: "e", password: "hunter2-longer" } };
    expect(quoteServerText(`${basic} | app:${encodeURIComponent(SECRET)} | ${SECRET} | hunter2-longer`, request, names))
      .toBe("<redacted> | <redacted> | <redacted> | <redacted>");
    const long = `${"x".repeat(MAX_SERVER_TEXT - 5)}hunter2-longer`;
    const quoted = quoteServerText(long, request, names);
    expect(quoted).not.toMatch(/hunter|hunt|hu…$/);
    expect(quoted.length).toBeLessThanOrEqual(MAX_SERVER_TEXT + 1);
  });

  test("a short secret is removed where it stands alone, not from inside other words", () => {
    const request: HttpRequest = { method: "POST", url: "https://as.example/token", form: { client_secret: "t" } };
    expect(quoteServerText("invalid_grant: secret t is wrong", request, names)).toBe("invalid_grant: secret <redacted> is wrong");
  });
});

import { expect, test } from "@jest/globals";
test("toolchain", () => { expect(1 + 1).toBe(2); });

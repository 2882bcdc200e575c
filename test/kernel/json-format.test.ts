/**
 * The bytes the Python implementation writes (`json.dump(obj, indent=2, sort_keys=True)` with the
 * default `ensure_ascii`), and numbers that keep their source form across a load and save.
 */
import { describe, expect, test } from "@jest/globals";
import { isFloatInSource, markFloat, parseJsonObject, pythonFloatRepr, serializeJsonObject } from "../../src/kernel/index.js";

const roundTrip = (text: string): string => serializeJsonObject(parseJsonObject(text));

describe("saved JSON layout", () => {
  test("keys are sorted as strings at every level, integer-like keys included", () => {
    const data = { b: 1, "9": "nine", a: { "10": true, "9": false, "1": null, z: [{ "2": 0, "10": 0 }] }, "10": "ten" };
    expect(serializeJsonObject(data)).toBe(
      '{\n  "10": "ten",\n  "9": "nine",\n  "a": {\n    "1": null,\n    "10": true,\n    "9": false,\n    "z": [\n      {\n        "10": 0,\n        "2": 0\n      }\n    ]\n  },\n  "b": 1\n}',
    );
  });

  test("top-level nulls are dropped, nested nulls kept; non-ASCII is escaped; no trailing newline", () => {
    expect(serializeJsonObject({ a: null, b: { c: null }, d: "é✓\u007f" })).toBe('{\n  "b": {\n    "c": null\n  },\n  "d": "\\u00e9\\u2713\\u007f"\n}');
    expect(serializeJsonObject({})).toBe("{}");
  });
});

describe("numbers keep the form they were read in", () => {
  test.each([
    ["3600.0", "3600.0"],
    ["1.0", "1.0"],
    ["1e-07", "1e-07"],
    ["1E5", "1E5"],
    ["-0", "-0"],
    ["12345678901234567890", "12345678901234567890"],
    ["1700003600.5", "1700003600.5"],
    ["0.1", "0.1"],
  ])("%s survives a load and save", (source, expected) => {
    const text = `{\n  "a": [\n    ${source}\n  ],\n  "n": ${source},\n  "o": {\n    "x": ${source}\n  }\n}`;
    expect(roundTrip(text)).toBe(text.replaceAll(source, expected));
  });

  test("a changed value is written in the new value's form; an unchanged one keeps its source", () => {
    const data = parseJsonObject('{"expires_in": 3600.0, "big": 12345678901234567890, "keep": 2.50}');
    const copy = { ...data, expires_in: 60 };
    expect(serializeJsonObject(copy)).toBe('{\n  "big": 12345678901234567890,\n  "expires_in": 60,\n  "keep": 2.50\n}');
  });

  test("a repeated key keeps its last value, as Python does", () => {
    expect(parseJsonObject('{"a": 1, "a": 2}')).toEqual({ a: 2 });
  });

  test("invalid text is reported without quoting it", () => {
    expect(() => parseJsonObject('{"secret": "hunter2"')).toThrow("the content is not valid JSON");
    expect(() => parseJsonObject("  ")).toThrow("the file is empty");
    expect(() => parseJsonObject("[1]")).toThrow("expected a JSON object, found an array");
  });
});

describe("numbers the library computes are written as Python writes them", () => {
  test.each([
    [1700003600.5, "1700003600.5"],
    [1e-7, "1e-07"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [3600, "3600.0"],
    [0.5, "0.5"],
    [-2.5e-10, "-2.5e-10"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
  ])("float %p → %s", (value, repr) => {
    expect(pythonFloatRepr(value)).toBe(repr);
  });

  test("integral values are ints, others floats; markFloat writes a whole number as a float", () => {
    const data: Record<string, number> = { i: 1700003600, f: 0.25, big: 1e21 };
    expect(serializeJsonObject(data)).toBe('{\n  "big": 1000000000000000000000,\n  "f": 0.25,\n  "i": 1700003600\n}');
    markFloat(data, "i");
    expect(serializeJsonObject(data)).toBe('{\n  "big": 1000000000000000000000,\n  "f": 0.25,\n  "i": 1700003600.0\n}');
  });

  test("isFloatInSource tells a float written as 3600.0 from an int", () => {
    const data = parseJsonObject('{"a": 3600.0, "b": 3600, "c": 1.5, "d": "x"}');
    expect([isFloatInSource(data, "a"), isFloatInSource(data, "b"), isFloatInSource(data, "c"), isFloatInSource(data, "d")]).toEqual([true, false, true, false]);
  });
});

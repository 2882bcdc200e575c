import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "**/.dist-build-*/**", "docs/api/**", "node_modules/**", "coverage/**", "**/.tmp/**", "src/generated/**", "examples/plugin-token-exchange/dist/**", "examples/plugin-token-exchange/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    // The library's own code is typed all the way down; tests and examples may stay loose.
    files: ["src/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  {
    // Plugins build on the kernel's public entry only, as a third-party plugin would.
    files: ["src/plugins/**/*.ts", "src/integrations/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          regex: "^(\\.\\./)+kernel/(?!index\\.js$)",
          message: "Import the kernel through its public entry (src/kernel/index.ts).",
        }],
      }],
    },
  },
  {
    // The kernel knows no plugin.
    files: ["src/kernel/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ regex: "^(\\.\\./)+plugins(/|$)", message: "The kernel must not import from src/plugins." }],
      }],
    },
  },
  {
    // Profile lookup sits between the kernel and the factory: it knows no plugin, factory or CLI.
    files: ["src/profiles/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ regex: "^(\\.\\./)+(plugins|factory|cli)(/|$)", message: "src/profiles must not import plugins, the factory or the CLI." }],
      }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);

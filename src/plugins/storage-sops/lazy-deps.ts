/** age and YAML are loaded only when a SOPS file is read or written. */
import { lazyLoader } from "../../kernel/index.js";

type AgeModule = typeof import("age-encryption");
type YamlModule = typeof import("yaml");

export const loadAge: () => Promise<AgeModule> = lazyLoader(() => import("age-encryption"));
export const loadYaml: () => Promise<YamlModule> = lazyLoader(() => import("yaml"));

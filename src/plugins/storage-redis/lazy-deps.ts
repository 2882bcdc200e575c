/** ioredis is an optional peer dependency, imported on first use so `import "planet-auth"` never loads it. */
import type { Redis } from "ioredis";
import { lazyLoader } from "../../kernel/index.js";

export const loadRedisClass: () => Promise<typeof Redis> = lazyLoader(async () => {
  try {
    return (await import("ioredis")).Redis;
  } catch (err) {
    throw new Error('The redis storage needs the "ioredis" package: npm install ioredis', { cause: err });
  }
});

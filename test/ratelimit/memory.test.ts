// The in-process limiter (the embedded default) keeps the sliding-window promise.

import { createMemoryRateLimiter } from "../../functions/_shared/ratelimit/memory.ts";
import { describeSlidingWindow } from "./sliding-window.suite.ts";

describeSlidingWindow("in-process limiter", () => ({
  create: (policy) => createMemoryRateLimiter(policy, () => Date.now()),
}));

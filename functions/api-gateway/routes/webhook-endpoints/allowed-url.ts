// The address rules for a webhook endpoint's URL (https, no private, loopback or metadata
// targets; names resolved where the runtime has DNS), checked when an endpoint is created or its
// URL changed, as a 400 on `url`. The dispatcher checks again at every delivery (DNS rebinding).

import type { Context } from "hono";
import { ApiError } from "../../../_shared/errors.ts";
import { checkWebhookUrl } from "../../../_shared/webhooks/url-policy.ts";
import type { AppEnv } from "../../context.ts";

export async function requireAllowedUrl(c: Context<AppEnv>, url: string): Promise<void> {
  const verdict = await checkWebhookUrl(url, c.var.services.webhookUrlPolicy);
  if (!verdict.ok) throw new ApiError("invalid_field", verdict.reason, { param: "url" });
}

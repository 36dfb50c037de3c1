// Webhook endpoint requests and responses (valibot): the single definition that validates the
// requests, types the handlers and tests, and describes the API. The database applies the same
// field rules again; the address checks on `url` (SSRF) happen in the handlers, which can
// resolve names.

import * as v from "valibot";
import { isStorableText } from "../activities/schema.ts";

export const EVENT_TYPES = ["activity.created"] as const;
export const URL_MAX_LENGTH = 2048;
export const DESCRIPTION_MAX_LENGTH = 500;
export const MAX_EVENTS = 16;
export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

const UUID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
export const ENDPOINT_ID = new RegExp(`^we_${UUID}$`, "i");
export const DELIVERY_ID = new RegExp(`^del_${UUID}$`, "i");

const url = v.pipe(
  v.string("url must be a string."),
  v.nonEmpty("url must not be empty."),
  v.maxLength(URL_MAX_LENGTH, `url must be at most ${URL_MAX_LENGTH} characters.`),
  v.check(isStorableText, "url must be valid Unicode text without NUL characters."),
);

const events = v.pipe(
  v.array(
    v.picklist(["*", ...EVENT_TYPES], `events may contain ${EVENT_TYPES.map((t) => `"${t}"`).join(", ")} or "*" (every event type).`),
    "events must be an array of event types.",
  ),
  v.minLength(1, "events must list at least one event type."),
  v.maxLength(MAX_EVENTS, `events must list at most ${MAX_EVENTS} event types.`),
);

const description = v.nullable(
  v.pipe(
    v.string("description must be a string."),
    v.check(isStorableText, "description must be valid Unicode text without NUL characters."),
    v.check((text) => [...text].length <= DESCRIPTION_MAX_LENGTH, `description must be at most ${DESCRIPTION_MAX_LENGTH} characters.`),
  ),
);

export const CreateWebhookEndpointBody = v.strictObject(
  {
    url,
    events,
    description: v.optional(description),
  },
  "The request body must be a JSON object.",
);

export const UpdateWebhookEndpointBody = v.pipe(
  v.strictObject(
    {
      url: v.optional(url),
      events: v.optional(events),
      enabled: v.optional(v.boolean("enabled must be true or false.")),
      description: v.optional(description),
    },
    "The request body must be a JSON object.",
  ),
  v.check((body) => Object.keys(body).length > 0, "Send at least one of url, events, enabled, description."),
);

/** `?limit=&starting_after=` of the list routes; the cursor's pattern depends on the list. */
export const pageQuery = (cursor: RegExp, cursorName: string) =>
  v.object({
    limit: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^\d+$/, "limit must be a whole number."),
        v.transform(Number),
        v.minValue(1, "limit must be at least 1."),
        v.maxValue(PAGE_SIZE_MAX, `limit must be at most ${PAGE_SIZE_MAX}.`),
      ),
      String(PAGE_SIZE_DEFAULT),
    ),
    starting_after: v.optional(
      v.pipe(
        v.string(),
        v.regex(cursor, `starting_after must be a ${cursorName} id.`),
        v.transform((id) => cursor.exec(id)![1]!.toLowerCase()),
      ),
    ),
  });

export type CreateWebhookEndpointInput = v.InferOutput<typeof CreateWebhookEndpointBody>;
export type UpdateWebhookEndpointInput = v.InferOutput<typeof UpdateWebhookEndpointBody>;

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  /** Why a disabled endpoint is disabled: "manual", "gone" (the subscriber answered 410) or "failing". */
  disabled_reason: "manual" | "gone" | "failing" | null;
  description: string | null;
  /** Only in the responses of create and rotate_secret. */
  secret?: string;
  created_date: string;
}

export interface DeliveryAttempt {
  attempt: number;
  date: string;
  status_code: number | null;
  latency_ms: number | null;
  error: string | null;
}

export interface Delivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: "pending" | "succeeded" | "failed";
  attempt_count: number;
  next_attempt_date: string | null;
  created_date: string;
  attempts: DeliveryAttempt[];
}

export interface WebhookEndpointResponse {
  data: { webhook_endpoint: WebhookEndpoint };
}
export interface WebhookEndpointListResponse {
  data: { webhook_endpoints: WebhookEndpoint[]; has_more: boolean };
}
export interface DeletedWebhookEndpointResponse {
  data: { webhook_endpoint: { id: string; deleted: true } };
}
export interface DeliveryResponse {
  data: { delivery: Delivery };
}
export interface DeliveryListResponse {
  data: { deliveries: Delivery[]; has_more: boolean };
}

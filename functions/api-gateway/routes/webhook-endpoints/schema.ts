// Webhook endpoint requests and responses (valibot): the single definition that validates the
// requests, types the handlers and tests, and describes the API (the OpenAPI document is generated
// from these). The database applies the same field rules again; the address checks on `url`
// (SSRF) happen in the handlers, which can resolve names (allowed-url.ts).

import * as v from "valibot";
import { issuedId, type ResourceId, resourceId } from "../../operation/resource-id.ts";
import { isStorableText, UTC_SECOND } from "../activities/schema.ts";

export const EVENT_TYPES = ["activity.created", "activity.updated", "activity.deleted"] as const;
export const URL_MAX_LENGTH = 2048;
export const DESCRIPTION_MAX_LENGTH = 500;
export const MAX_EVENTS = 16;
export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

/** Endpoints per workspace; api.create_webhook_endpoint enforces it (409 webhook_endpoint_limit_reached). */
export const MAX_ENDPOINTS_PER_WORKSPACE = 20;

const ENDPOINT_ID_EXAMPLE = "we_5b0e2a4c-8d1f-4e6a-9c3b-7f2d1e0a9b8c";
const DELIVERY_ID_EXAMPLE = "del_0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f";

/** A webhook endpoint's id: `we_` + UUID (in a path, a malformed one is 404 webhook_endpoint_not_found). */
export const EndpointId = resourceId({
  prefix: "we",
  notFound: "webhook_endpoint_not_found",
  noun: "webhook endpoint",
  within: "in this workspace",
  description: "The webhook endpoint's id.",
  example: ENDPOINT_ID_EXAMPLE,
});
/** A delivery's id: `del_` + UUID (in a path, a malformed one is 404 delivery_not_found). */
export const DeliveryId = resourceId({
  prefix: "del",
  notFound: "delivery_not_found",
  noun: "delivery",
  within: "for this endpoint",
  description: "The delivery's id.",
  example: DELIVERY_ID_EXAMPLE,
});

const url = v.pipe(
  v.string("url must be a string."),
  v.nonEmpty("url must not be empty."),
  v.maxLength(URL_MAX_LENGTH, `url must be at most ${URL_MAX_LENGTH} characters.`),
  v.check(isStorableText, "url must be valid Unicode text without NUL characters."),
  v.description(
    "Where events are POSTed: an https:// URL that resolves to public addresses only (no private, loopback, " +
      "link-local, CGNAT, multicast or reserved ones; checked now and at every delivery).",
  ),
);

const events = v.pipe(
  v.array(
    v.picklist(["*", ...EVENT_TYPES], `events may contain ${EVENT_TYPES.map((t) => `"${t}"`).join(", ")} or "*" (every event type).`),
    "events must be an array of event types.",
  ),
  v.minLength(1, "events must list at least one event type."),
  v.maxLength(MAX_EVENTS, `events must list at most ${MAX_EVENTS} event types.`),
  v.description('The event types to send, or ["*"] for every type (also those added later).'),
);

const description = v.nullable(
  v.pipe(
    v.string("description must be a string."),
    v.check(isStorableText, "description must be valid Unicode text without NUL characters."),
    v.check((text) => [...text].length <= DESCRIPTION_MAX_LENGTH, `description must be at most ${DESCRIPTION_MAX_LENGTH} characters.`),
    v.metadata({ maxLength: DESCRIPTION_MAX_LENGTH, description: `A note for you. At most ${DESCRIPTION_MAX_LENGTH} characters (Unicode code points).` }),
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
      enabled: v.optional(
        v.pipe(
          v.boolean("enabled must be true or false."),
          v.description("false disables the endpoint (its pending deliveries wait); true re-enables it, also after it was disabled for failing or answering 410."),
        ),
      ),
      description: v.optional(description),
    },
    "The request body must be a JSON object.",
  ),
  v.check((body) => Object.keys(body).length > 0, "Send at least one of url, events, enabled, description."),
  v.metadata({ minProperties: 1 }),
);

/** `?limit=&starting_after=` of the list routes; the cursor is an id of what is listed. */
export const pageQuery = (cursor: ResourceId, cursorName: string) =>
  v.object({
    limit: v.pipe(
      v.optional(v.string(), String(PAGE_SIZE_DEFAULT)),
      v.check((value) => /^\d+$/.test(value), "limit must be a whole number."),
      // Query values are strings; the document states the number they must spell.
      v.metadata({ type: "integer", minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT, description: "Page size." }),
      v.transform(Number),
      v.minValue(1, "limit must be at least 1."),
      v.maxValue(PAGE_SIZE_MAX, `limit must be at most ${PAGE_SIZE_MAX}.`),
    ),
    starting_after: v.optional(
      cursor.field(`starting_after must be a ${cursorName} id.`, `The last ${cursorName} id of the previous page; omit for the first page.`),
    ),
  });

export const ListEndpointsQuery = pageQuery(EndpointId, "webhook endpoint");
export const ListDeliveriesQuery = pageQuery(DeliveryId, "delivery");

export type CreateWebhookEndpointInput = v.InferOutput<typeof CreateWebhookEndpointBody>;
export type UpdateWebhookEndpointInput = v.InferOutput<typeof UpdateWebhookEndpointBody>;

const timestamp = (about: string) =>
  v.pipe(v.string(), v.regex(UTC_SECOND), v.metadata({ format: "date-time", description: `${about} UTC, ISO 8601, to the second.` }));

const endpointEntries = {
  id: v.pipe(v.string(), v.regex(EndpointId.issued), v.metadata({ examples: [ENDPOINT_ID_EXAMPLE] })),
  url: v.string(),
  events: v.array(v.picklist(["*", ...EVENT_TYPES])),
  enabled: v.boolean(),
  disabled_reason: v.pipe(
    v.nullable(v.picklist(["manual", "gone", "failing"])),
    v.description('Why a disabled endpoint is disabled: "manual", "gone" (the subscriber answered 410) or "failing" (no success for 5 days).'),
  ),
  description: v.nullable(v.string()),
};

/** The endpoint as every route shows it: never with its secret. */
export const WebhookEndpointSchema = v.strictObject({ ...endpointEntries, created_date: timestamp("When it was created.") });

/** The endpoint as create and rotate_secret show it: with the signing secret, shown only there. */
export const WebhookEndpointWithSecretSchema = v.strictObject({
  ...endpointEntries,
  secret: v.pipe(
    v.string(),
    v.regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
    v.description("The signing secret (Standard Webhooks `whsec_` + base64). Shown only in this response: store it now."),
  ),
  created_date: timestamp("When it was created."),
});

export const DeliveryAttemptSchema = v.strictObject({
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
  date: timestamp("When the attempt was made."),
  status_code: v.pipe(v.nullable(v.pipe(v.number(), v.integer())), v.description("The subscriber's HTTP status; null when no answer came.")),
  latency_ms: v.nullable(v.pipe(v.number(), v.integer())),
  error: v.pipe(v.nullable(v.string()), v.description("Why the attempt failed (timeout, refused address, status…); null on success.")),
});

export const DeliverySchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(DeliveryId.issued), v.metadata({ examples: [DELIVERY_ID_EXAMPLE] })),
  endpoint_id: v.pipe(v.string(), v.regex(EndpointId.issued)),
  event_id: v.pipe(v.string(), v.regex(issuedId("evt")), v.description("The event's id: the webhook-id header, the same on every attempt.")),
  event_type: v.string(),
  status: v.picklist(["pending", "succeeded", "failed"]),
  attempt_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  next_attempt_date: v.pipe(v.nullable(v.pipe(v.string(), v.regex(UTC_SECOND))), v.metadata({ description: "When a pending delivery is tried next; null otherwise." })),
  created_date: timestamp("When the delivery was queued."),
  attempts: v.array(DeliveryAttemptSchema),
});

export type WebhookEndpointWithSecret = v.InferOutput<typeof WebhookEndpointWithSecretSchema>;
/** An endpoint as any route shows it: `secret` only in the responses of create and rotate_secret. */
export type WebhookEndpoint = v.InferOutput<typeof WebhookEndpointSchema> & Partial<Pick<WebhookEndpointWithSecret, "secret">>;
export type DeliveryAttempt = v.InferOutput<typeof DeliveryAttemptSchema>;
export type Delivery = v.InferOutput<typeof DeliverySchema>;

export const WebhookEndpointResponseSchema = v.strictObject({ data: v.strictObject({ webhook_endpoint: WebhookEndpointSchema }) });
export const WebhookEndpointWithSecretResponseSchema = v.strictObject({
  data: v.strictObject({ webhook_endpoint: WebhookEndpointWithSecretSchema }),
});
export const WebhookEndpointListResponseSchema = v.strictObject({
  data: v.strictObject({
    webhook_endpoints: v.array(WebhookEndpointSchema),
    has_more: v.pipe(v.boolean(), v.description("Whether a next page exists: ask for it with starting_after = the last id.")),
  }),
});
export const DeletedWebhookEndpointResponseSchema = v.strictObject({
  data: v.strictObject({
    webhook_endpoint: v.strictObject({ id: v.pipe(v.string(), v.regex(EndpointId.issued)), deleted: v.literal(true) }),
  }),
});
export const DeliveryResponseSchema = v.strictObject({ data: v.strictObject({ delivery: DeliverySchema }) });
export const DeliveryListResponseSchema = v.strictObject({
  data: v.strictObject({
    deliveries: v.array(DeliverySchema),
    has_more: v.pipe(v.boolean(), v.description("Whether a next page exists: ask for it with starting_after = the last id.")),
  }),
});

export type WebhookEndpointResponse = v.InferOutput<typeof WebhookEndpointResponseSchema>;
export type WebhookEndpointWithSecretResponse = v.InferOutput<typeof WebhookEndpointWithSecretResponseSchema>;
export type WebhookEndpointListResponse = v.InferOutput<typeof WebhookEndpointListResponseSchema>;
export type DeletedWebhookEndpointResponse = v.InferOutput<typeof DeletedWebhookEndpointResponseSchema>;
export type DeliveryResponse = v.InferOutput<typeof DeliveryResponseSchema>;
export type DeliveryListResponse = v.InferOutput<typeof DeliveryListResponseSchema>;

export const CREATE_WEBHOOK_ENDPOINT_EXAMPLE = {
  url: "https://hooks.example.com/crm",
  events: ["activity.created"],
  description: "Timeline sync",
} satisfies v.InferInput<typeof CreateWebhookEndpointBody>;

export const WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE = {
  data: {
    webhook_endpoint: {
      id: ENDPOINT_ID_EXAMPLE,
      url: "https://hooks.example.com/crm",
      events: ["activity.created"],
      enabled: true,
      disabled_reason: null,
      description: "Timeline sync",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw5Qw0kY2hR9c=",
      created_date: "2026-04-17T14:20:00Z",
    },
  },
} satisfies WebhookEndpointWithSecretResponse;

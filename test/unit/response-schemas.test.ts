// The response schemas are the document's promise of what the API answers (the contract and
// webhook suites check every real response against it): each accepts the documented examples and
// refuses near misses of the id, time and secret formats it states.

import * as v from "valibot";
import { describe, expect, test } from "vitest";
import { ErrorBodySchema } from "../../functions/_shared/errors.ts";
import { ACTIVITY_RESPONSE_EXAMPLE, ActivityCreatedEventSchema, ActivityResponseSchema } from "../../functions/api-gateway/routes/activities/schema.ts";
import {
  DeletedWebhookEndpointResponseSchema,
  DeliveryListResponseSchema,
  DeliveryResponseSchema,
  WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE,
  WebhookEndpointListResponseSchema,
  WebhookEndpointResponseSchema,
  WebhookEndpointWithSecretResponseSchema,
} from "../../functions/api-gateway/routes/webhook-endpoints/schema.ts";

const UUID = "7f3c4d2a-1b8e-4a9c-9d6f-2e5b8c7a1f3d";
const NEAR_MISS_UUIDS = [UUID.toUpperCase(), UUID.slice(1), `${UUID}0`, UUID.replace("1b8e", "1b8"), UUID.replace("2e5b8c7a1f3d", "2e5b8c7a1f3"), UUID.replace("7f3c", "7g3c"), UUID.replaceAll("-", "")];
const NEAR_MISS_TIMES = ["2026-04-17 14:23:05Z", "2026-04-17T14:23:05", "2026-04-17T14:23:05.123Z", "x2026-04-17T14:23:05Z", "2026-04-17T14:23:05Zx", "26-04-17T14:23:05Z", "2026-4-17T14:23:05Z", "2026-04-7T14:23:05Z", "2026-04-17T4:23:05Z", "2026-04-17T14:3:05Z", "2026-04-17T14:23:5Z", "YYYY-MM-DDTHH:MM:SSZ"];
const activity = ACTIVITY_RESPONSE_EXAMPLE.data.activity;
const endpoint = WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE.data.webhook_endpoint;
const { secret: _, ...endpointWithoutSecret } = endpoint;
const delivery = {
  id: `del_${UUID}`,
  endpoint_id: endpoint.id,
  event_id: `evt_${UUID}`,
  event_type: "activity.created",
  status: "failed",
  attempt_count: 1,
  next_attempt_date: null,
  created_date: "2026-04-17T14:23:05Z",
  attempts: [{ attempt: 1, date: "2026-04-17T14:23:06Z", status_code: 500, latency_ms: 12, error: "HTTP 500" }],
};

const accepts = (schema: v.GenericSchema, value: unknown) => v.safeParse(schema, value).success;
const activityWith = (fields: Record<string, unknown>) => ({ data: { activity: { ...activity, ...fields } } });

describe("activities", () => {
  test("the example response and the webhook event built from it", () => {
    expect(accepts(ActivityResponseSchema, ACTIVITY_RESPONSE_EXAMPLE)).toBe(true);
    expect(accepts(ActivityCreatedEventSchema, { type: "activity.created", timestamp: "2026-04-17T14:23:05.123Z", data: { activity } })).toBe(true);
    expect(accepts(ActivityCreatedEventSchema, { type: "activity.updated", timestamp: "2026-04-17T14:23:05.123Z", data: { activity } })).toBe(false);
    expect(accepts(ActivityResponseSchema, { data: {} })).toBe(false);
  });

  test.each(NEAR_MISS_UUIDS)("id act_%s is not an issued activity id", (uuid) => {
    expect(accepts(ActivityResponseSchema, activityWith({ id: `act_${uuid}` }))).toBe(false);
  });

  test("ids of other kinds, and UUIDs with anything around them, are refused", () => {
    expect(accepts(ActivityResponseSchema, activityWith({ id: `we_${UUID}` }))).toBe(false);
    expect(accepts(ActivityResponseSchema, activityWith({ id: `xact_${UUID}` }))).toBe(false);
    for (const field of ["contact_id", "created_by_user_id"]) {
      expect(accepts(ActivityResponseSchema, activityWith({ [field]: UUID.toUpperCase() })), field).toBe(true);
      expect(accepts(ActivityResponseSchema, activityWith({ [field]: `x${UUID}` })), field).toBe(false);
      expect(accepts(ActivityResponseSchema, activityWith({ [field]: `${UUID}x` })), field).toBe(false);
    }
  });

  test.each(NEAR_MISS_TIMES)("created_date %s is not UTC to the second", (time) => {
    expect(accepts(ActivityResponseSchema, activityWith({ created_date: time }))).toBe(false);
  });
});

describe("webhook endpoints and deliveries", () => {
  test("the examples", () => {
    expect(accepts(WebhookEndpointWithSecretResponseSchema, WEBHOOK_ENDPOINT_WITH_SECRET_EXAMPLE)).toBe(true);
    expect(accepts(WebhookEndpointResponseSchema, { data: { webhook_endpoint: endpointWithoutSecret } })).toBe(true);
    expect(accepts(WebhookEndpointResponseSchema, { data: { webhook_endpoint: endpoint } })).toBe(false);
    expect(accepts(DeliveryResponseSchema, { data: { delivery } })).toBe(true);
  });

  test("every documented value of the closed lists, secrets with any base64 padding, the list and delete shapes", () => {
    const endpointWith = (fields: Record<string, unknown>) => accepts(WebhookEndpointWithSecretResponseSchema, { data: { webhook_endpoint: { ...endpoint, ...fields } } });
    const deliveryWith = (fields: Record<string, unknown>) => accepts(DeliveryResponseSchema, { data: { delivery: { ...delivery, ...fields } } });
    for (const disabled_reason of ["manual", "gone", "failing", null]) expect(endpointWith({ enabled: false, disabled_reason }), String(disabled_reason)).toBe(true);
    expect(endpointWith({ events: ["*"] })).toBe(true);
    for (const status of ["pending", "succeeded", "failed"]) expect(deliveryWith({ status }), status).toBe(true);
    for (const secret of ["whsec_YWJj", "whsec_YWI=", "whsec_YQ=="]) expect(endpointWith({ secret }), secret).toBe(true);
    expect(accepts(WebhookEndpointListResponseSchema, { data: { webhook_endpoints: [endpointWithoutSecret], has_more: true } })).toBe(true);
    expect(accepts(WebhookEndpointListResponseSchema, { data: { webhook_endpoints: [endpoint], has_more: true } })).toBe(false);
    expect(accepts(DeliveryListResponseSchema, { data: { deliveries: [delivery], has_more: false } })).toBe(true);
    expect(accepts(DeliveryListResponseSchema, { data: { deliveries: [delivery] } })).toBe(false);
    expect(accepts(DeletedWebhookEndpointResponseSchema, { data: { webhook_endpoint: { id: endpoint.id, deleted: true } } })).toBe(true);
    expect(accepts(DeletedWebhookEndpointResponseSchema, { data: { webhook_endpoint: { id: endpoint.id, deleted: false } } })).toBe(false);
    expect(accepts(DeletedWebhookEndpointResponseSchema, { data: { webhook_endpoint: { id: `del_${UUID}`, deleted: true } } })).toBe(false);
  });

  test("near misses of endpoint, delivery and event ids, times and secrets", () => {
    const endpointWith = (fields: Record<string, unknown>) => accepts(WebhookEndpointWithSecretResponseSchema, { data: { webhook_endpoint: { ...endpoint, ...fields } } });
    const deliveryWith = (fields: Record<string, unknown>) => accepts(DeliveryResponseSchema, { data: { delivery: { ...delivery, ...fields } } });
    for (const uuid of NEAR_MISS_UUIDS) {
      expect(endpointWith({ id: `we_${uuid}` }), uuid).toBe(false);
      expect(deliveryWith({ id: `del_${uuid}` }), uuid).toBe(false);
      expect(deliveryWith({ event_id: `evt_${uuid}` }), uuid).toBe(false);
      expect(deliveryWith({ endpoint_id: `we_${uuid}` }), uuid).toBe(false);
    }
    for (const id of [`x_we_${UUID}`, `act_${UUID}`]) expect(endpointWith({ id }), id).toBe(false);
    for (const id of [`xdel_${UUID}`, `evt_${UUID}`]) expect(deliveryWith({ id }), id).toBe(false);
    for (const time of NEAR_MISS_TIMES) {
      expect(endpointWith({ created_date: time }), time).toBe(false);
      expect(deliveryWith({ next_attempt_date: time }), time).toBe(false);
      expect(deliveryWith({ attempts: [{ ...delivery.attempts[0], date: time }] }), time).toBe(false);
    }
    expect(deliveryWith({ next_attempt_date: "2026-04-17T14:24:05Z" })).toBe(true);
    for (const secret of ["whsec_", "wbk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw5Qw0kY2hR9c=", "whsec_abc===", "whsec_ab-c", `x${endpoint.secret}`]) {
      expect(endpointWith({ secret }), secret).toBe(false);
    }
    expect(deliveryWith({ status: "sent" })).toBe(false);
    expect(deliveryWith({ attempts: [{ ...delivery.attempts[0], attempt: 0 }] })).toBe(false);
    expect(deliveryWith({ attempt_count: -1 })).toBe(false);
    expect(endpointWith({ disabled_reason: "broken" })).toBe(false);
    expect(endpointWith({ events: ["contact.created"] })).toBe(false);
  });
});

describe("errors", () => {
  const error = (fields: Record<string, unknown>) => ({ error: { code: "invalid_field", message: "m", request_id: `req_${"0a".repeat(16)}`, ...fields } });

  test("request ids are req_ and 32 lower-case hex digits", () => {
    expect(accepts(ErrorBodySchema, error({}))).toBe(true);
    expect(accepts(ErrorBodySchema, error({ param: "title" }))).toBe(true);
    for (const id of [`req_${"0A".repeat(16)}`, `req_${"0a".repeat(15)}`, `req_${"0a".repeat(16)}0`, `xreq_${"0a".repeat(16)}`, `req_${"g".repeat(32)}`, "req_0"]) {
      expect(accepts(ErrorBodySchema, error({ request_id: id })), id).toBe(false);
    }
    expect(accepts(ErrorBodySchema, error({ code: "teapot" }))).toBe(false);
  });
});

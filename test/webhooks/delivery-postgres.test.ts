// Webhook delivery on PostgreSQL, the API connecting as `authenticator`, the dispatcher on
// connections of its own switching to service_role.

import { serviceAvailable } from "../support/services.ts";
import { describeDelivery } from "./delivery.suite.ts";

describeDelivery("postgres", await serviceAvailable("postgres"));

// Webhook delivery on the embedded database (PGlite), the default of `npm start`.

import { describeDelivery } from "./delivery.suite.ts";

describeDelivery("pglite");

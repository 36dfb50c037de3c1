// Name resolution for the webhook URL checks on Node: every address the system resolver
// (getaddrinfo, as the HTTP client itself uses) returns for the host.

import { lookup } from "node:dns/promises";
import type { HostResolver } from "../_shared/webhooks/url-policy.ts";

export const resolveHostWithNodeDns: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

// One HTTP attempt of one delivery, with fetch (every runtime has it): the address check
// against the URL policy right before sending (DNS rebinding), a timeout, redirects not
// followed (a 3xx is a failure, as Standard Webhooks says), and at most `maxResponseBytes` of
// the answer read. Never throws: every way an attempt can go is an AttemptResult.

import { addressProblem, checkUrlSyntax, type HostResolver } from "./url-policy.ts";

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface AttemptResult {
  /** The subscriber's status code; undefined when no response came. */
  statusCode?: number;
  latencyMs: number;
  /** Why there was no acceptable answer: timeout, connection error, refused address… */
  error?: string;
}

export type Sender = (request: OutboundRequest) => Promise<AttemptResult>;

export interface FetchSenderOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  allowInsecure: boolean;
  resolve?: HostResolver;
  fetch?: typeof fetch;
  userAgent?: string;
}

export function createFetchSender(options: FetchSenderOptions): Sender {
  const doFetch = options.fetch ?? fetch;
  return async function send(request) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const syntax = checkUrlSyntax(request.url, options.allowInsecure);
    if (!syntax.ok) return { latencyMs: 0, error: `Refused: ${syntax.reason}` };
    if (!options.allowInsecure) {
      const problem = await addressProblem(syntax.url.hostname, options.resolve);
      if (problem) return { latencyMs: 0, error: `Refused: ${problem}` };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    try {
      const response = await doFetch(syntax.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": options.userAgent ?? "crm-activity-api-webhooks/1",
          ...request.headers,
        },
        body: request.body,
        redirect: "manual",
        signal: controller.signal,
      });
      await drain(response, options.maxResponseBytes);
      const status = response.status;
      // Opaque redirects (browsers) report 0; treat like the 3xx they are.
      if (status >= 200 && status < 300) return { statusCode: status, latencyMs: elapsed() };
      return {
        statusCode: status === 0 ? undefined : status,
        latencyMs: elapsed(),
        error: status >= 300 && status < 400 || status === 0 ? "Redirects are not followed." : `HTTP ${status}`,
      };
    } catch (error) {
      if (controller.signal.aborted) return { latencyMs: elapsed(), error: `Timed out after ${options.timeoutMs} ms.` };
      return { latencyMs: elapsed(), error: `Connection failed: ${describe(error)}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Reads up to `limit` bytes so the connection can be reused, then lets go of the rest. */
async function drain(response: Response, limit: number): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  let read = 0;
  try {
    while (read <= limit) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body cut short does not change the status the subscriber already sent.
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}

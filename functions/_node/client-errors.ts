// What Node's HTTP parser refuses before any request reaches the app — headers over
// --max-http-header-size (16 KiB by default), broken chunked framing, conflicting
// Content-Length, a request that takes too long — answered in the API's error shape with a
// request id and logged like any other request. Left to Node, these get a bare status line with
// no body and no X-Request-Id. (Deno and workerd answer such requests themselves; an app never
// sees them there.)

import type { Server } from "node:http";
import type { Socket } from "node:net";
import { ApiError, errorReply, newRequestId } from "../_shared/errors.ts";
import type { Logger } from "../_shared/log.ts";

const CLIENT_GONE = new Set(["ECONNRESET", "EPIPE", "HPE_INVALID_EOF_STATE"]);

/** How long a refused connection may go on sending (read and dropped) before it is cut. */
const LINGER_MS = 1000;

const REASONS: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

export function answerClientErrors(server: Server, logger: Logger): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // Nothing to answer on: the peer is gone, or a response on this connection has begun (as
    // Node's own handler decides). A request whose body broke after its headers were parsed is
    // answered here too; the app, whose body read then fails, logs it as cut short (499).
    // The client closing mid-message (EOF, a reset) is not malformed HTTP: no one is left to
    // answer, and the app logs a request it had begun as cut short.
    const inFlight = (socket as Socket & { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
    if (CLIENT_GONE.has(error.code ?? "") || !socket.writable || inFlight?._headerSent) {
      socket.destroy();
      return;
    }
    const refusal = refusalFor(error);
    const requestId = newRequestId();
    const { body, status, headers } = errorReply(refusal, requestId);
    const json = JSON.stringify(body);
    const head = [
      `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(json)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      "Cache-Control: no-store",
      "Connection: close",
    ].join("\r\n");
    // Keep reading (and dropping) what the client still sends for a moment: closing with unread
    // input would reset the connection before the client reads the answer.
    socket.on("data", () => {});
    socket.resume();
    socket.end(`${head}\r\n\r\n${json}`);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
    logger.info("request", { request_id: requestId, method: null, route: null, status, error_code: refusal.code, parse_error: error.code ?? null });
  });
}

function refusalFor(error: NodeJS.ErrnoException): ApiError {
  if (error.code === "HPE_HEADER_OVERFLOW") {
    return new ApiError("request_headers_too_large", "The request headers are too large: at most 16 KiB in total.");
  }
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return new ApiError("request_timeout", "The request took too long to arrive.");
  }
  return new ApiError("invalid_request", "The request is not valid HTTP/1.1 (its framing or headers are malformed).");
}

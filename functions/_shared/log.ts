// Structured logs: one JSON object per line on stdout, which every runtime here (Node, Deno,
// Supabase, Workers) collects as is. Callers pass fields, never secrets: API keys are not
// given to the logger anywhere, only their workspace once the database has resolved it.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Writes out lines still buffered (batching loggers); call before exiting. */
  flush?(): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  level?: LogLevel;
  /** Receives one or more complete lines, each ending in "\n". Default: console.log. */
  write?: (lines: string) => void;
  /**
   * Gather lines into one write every BATCH_WINDOW_MS (or per BATCH_BYTES), for a long-lived
   * Node process under load: a write per line — one per request — was a tenth of the Node
   * entry's CPU at 1,300 requests/s (npm run bench:profile; each write is a system call).
   * Errors are written at once, with whatever is pending before them.
   */
  batch?: boolean;
}

const BATCH_WINDOW_MS = 50;
const BATCH_BYTES = 64 * 1024;

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? "info"];
  const write = options.write ?? ((lines: string) => console.log(lines.slice(0, -1)));
  let pending: string[] = [];
  let pendingBytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const lines = pending.join("");
    pending = [];
    pendingBytes = 0;
    write(lines);
  };
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (RANK[level] < threshold) return;
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }, replacer)}\n`;
    if (!options.batch) return write(line);
    pending.push(line);
    pendingBytes += line.length;
    if (level === "error" || pendingBytes >= BATCH_BYTES) return flush();
    timer ??= setTimeout(flush, BATCH_WINDOW_MS);
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error"), flush };
}

/** Errors as {name, message, code, stack, cause}: JSON.stringify would print {} for them. */
export function describeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const extra = error as Error & { code?: unknown; sqlState?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(extra.code === undefined ? {} : { code: extra.code }),
    ...(extra.sqlState === undefined ? {} : { sql_state: extra.sqlState }),
    stack: error.stack,
    ...(error.cause === undefined || depth > 3 ? {} : { cause: describeError(error.cause, depth + 1) }),
  };
}

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? describeError(value) : value;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

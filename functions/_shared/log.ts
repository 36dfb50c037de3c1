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
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createJsonLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const threshold = RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.log(line));
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (RANK[level] < threshold) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }, replacer));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
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

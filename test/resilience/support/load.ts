// A closed-loop load generator: `clients` workers, each sending its next request as soon as the
// previous one is answered, until `total` requests were sent. Records every outcome (status or
// connection error) with its latency and the time it completed.

export interface Outcome {
  index: number;
  /** HTTP status, or 0 when no response came (connection refused, reset, …). */
  status: number;
  /** Why no response came, when status is 0. */
  error?: string;
  latencyMs: number;
  /** performance.now() at completion. */
  doneAt: number;
}

export interface LoadResult {
  outcomes: Outcome[];
  elapsedMs: number;
  /** Count per status (0: no response). */
  byStatus: Record<number, number>;
}

export async function runLoad(options: {
  total: number;
  clients: number;
  send: (index: number, client: number) => Promise<{ status: number }>;
}): Promise<LoadResult> {
  const outcomes: Outcome[] = new Array(options.total);
  let next = 0;
  const started = performance.now();
  const worker = async (client: number) => {
    for (;;) {
      const index = next++;
      if (index >= options.total) return;
      const t0 = performance.now();
      try {
        const { status } = await options.send(index, client);
        const doneAt = performance.now();
        outcomes[index] = { index, status, latencyMs: doneAt - t0, doneAt };
      } catch (error) {
        const doneAt = performance.now();
        outcomes[index] = { index, status: 0, error: describe(error), latencyMs: doneAt - t0, doneAt };
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, client) => worker(client)));
  const byStatus: Record<number, number> = {};
  for (const outcome of outcomes) byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
  return { outcomes, elapsedMs: performance.now() - started, byStatus };
}

/** The q-quantile (0..1) of `values`, nearest rank; NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A fetch failure's cause, as short as it says it: ECONNREFUSED, UND_ERR_SOCKET, … */
export function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

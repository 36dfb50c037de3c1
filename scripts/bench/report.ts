// What the benchmarks print alike: the median of a step's rounds, and the table of a round — one
// line per thing measured with requests/s, p50/p99, errors and CPU per request of the server and
// of PostgreSQL, then one column of the benchmark's own (other processes' CPU, the load average).

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

export interface TableRow {
  label: string;
  requestsPerSecond: number;
  p50?: number;
  p99?: number;
  errors: number;
  /** Microseconds of CPU per request. */
  serverCpu?: number;
  postgresCpu: number;
}

export interface LastColumn<R> {
  header: string;
  width: number;
  digits: number;
  value(row: R): number | undefined;
}

export function printCpuTable<R extends TableRow>(title: string, rows: R[], labelWidth: number, last: LastColumn<R>): void {
  const pad = (value: string, width: number) => value.padStart(width);
  const fixed = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? "—" : value.toFixed(digits));
  process.stdout.write(
    `\n${title}\n${"".padEnd(labelWidth)} ${pad("req/s", 7)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("errors", 6)} ` +
      `${pad("server CPU µs", 13)} ${pad("PostgreSQL CPU µs", 17)} ${pad(last.header, last.width)}\n`,
  );
  for (const row of rows) {
    process.stdout.write(
      `${row.label.padEnd(labelWidth)} ${pad(fixed(row.requestsPerSecond), 7)} ${pad(fixed(row.p50, 2), 7)} ${pad(fixed(row.p99, 2), 7)} ` +
        `${pad(String(row.errors), 6)} ${pad(fixed(row.serverCpu), 13)} ${pad(fixed(row.postgresCpu), 17)} ${pad(fixed(last.value(row), last.digits), last.width)}\n`,
    );
  }
}

// The figures a resilience test measured: printed as one line per part (`[resilience] <part>
// {…}`), so a run's output holds every number the README quotes, and kept for the test's own
// assertions.

export function printFigures(part: string, figures: Record<string, unknown>): void {
  console.log(`[resilience] ${part} ${JSON.stringify(figures)}`);
}

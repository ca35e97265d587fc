// What a benchmark mode hands back: named figures, each with its unit and, where the project set
// one, a target it is judged against and the figure consul-template was measured at elsewhere.

export interface Target {
  /** "≤ 5 ms" is { atMost: 5 }; "≥ 0.9" is { atLeast: 0.9 }. */
  atMost?: number;
  atLeast?: number;
}

export interface Figure {
  /** Stable key for the JSON file, e.g. "latency_p50_ms". */
  readonly id: string;
  readonly label: string;
  /** undefined when it could not be measured (the note says why). */
  readonly value: number | undefined;
  readonly unit: string;
  readonly target?: Target;
  /** consul-template's figure, as text ("3–7 ms"). */
  readonly reference?: string;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly figures: Figure[];
  /** How something was measured, or what went wrong. */
  readonly notes: string[];
}

/** Whether a figure meets its target; undefined without a target or a value. */
export function meetsTarget(figure: Figure): boolean | undefined {
  const { value, target } = figure;
  if (value === undefined || target === undefined) return undefined;
  if (target.atMost !== undefined && value > target.atMost) return false;
  if (target.atLeast !== undefined && value < target.atLeast) return false;
  return true;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined for none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The largest sample; undefined for none. */
export function maximum(samples: readonly number[]): number | undefined {
  return samples.length === 0 ? undefined : Math.max(...samples);
}

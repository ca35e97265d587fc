// The templates of a run as the runner runs them: each source compiled once, named for logs,
// health and metrics.
import { Template } from '../template/template.ts';
import type { LiveUpstreamSink, RunnerJob } from '../runner/runner.ts';
import type { Action } from '../runner/action.ts';

/** One template of a run: where it is read from and written to, what checks and follows it. */
export interface TemplateJobSpec {
  source: string;
  destination: string;
  check?: Action;
  command?: Action;
  /** Where the upstreams of `livePeers` go (drcon lb -upstreams live). */
  live?: LiveUpstreamSink;
}

/** The jobs, and the source file each was compiled from (a template reload reads it again). */
export interface TemplateJobs {
  jobs: RunnerJob[];
  sourceOf: Map<RunnerJob, string>;
}

/** Compiles every source; the first that does not compile throws, naming file:line:col. */
export async function loadTemplateJobs(specs: readonly TemplateJobSpec[]): Promise<TemplateJobs> {
  const jobs: RunnerJob[] = [];
  const sourceOf = new Map<RunnerJob, string>();
  for (const spec of specs) {
    // The same source may render to several destinations: the job's name tells them apart.
    const name = specs.filter((other) => other.source === spec.source).length > 1 ? `${spec.source} → ${spec.destination}` : spec.source;
    const job = { name, template: await Template.fromFile(spec.source), destination: spec.destination, check: spec.check, command: spec.command, live: spec.live };
    jobs.push(job);
    sourceOf.set(job, spec.source);
  }
  return { jobs, sourceOf };
}

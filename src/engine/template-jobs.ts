// The templates of a run as the runner runs them: each source compiled once, named for logs,
// health and metrics.
import { Template } from '../template/template.ts';
import type { RunnerJob } from '../runner/runner.ts';

/** One template of a run as a command describes it: a job before its template is compiled. */
export type TemplateJobSpec = Pick<RunnerJob, 'source' | 'destination' | 'check' | 'command'>;

/** Compiles every source; the first that does not compile throws, naming file:line:col. */
export async function loadTemplateJobs(specs: readonly TemplateJobSpec[]): Promise<RunnerJob[]> {
  const jobs: RunnerJob[] = [];
  for (const spec of specs) {
    // The same source may render to several destinations: the job's name tells them apart.
    const name = specs.filter((other) => other.source === spec.source).length > 1 ? `${spec.source} → ${spec.destination}` : spec.source;
    jobs.push({ ...spec, name, template: await Template.fromFile(spec.source) });
  }
  return jobs;
}

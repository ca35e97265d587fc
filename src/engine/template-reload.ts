// Template hot-reload, an observer of the run: a template file edited on disk, or SIGHUP for all
// of them, is compiled again and rendered. A template broken by an edit keeps its last good
// version (and output); a removed file is reported and changes nothing.
import { watch as watchFiles } from 'chokidar';
import type { Logger } from '../log/logger.ts';
import { onSignals, reloadSignal } from '../process/signals.ts';
import type { Runner, RunnerJob } from '../runner/runner.ts';
import { Template } from '../template/template.ts';

/** Starts watching; returns the function that stops it. */
export function reloadTemplatesOnChange(jobs: readonly RunnerJob[], runner: Runner, logger: Logger): () => Promise<void> {
  const reload = async (changed: readonly RunnerJob[]) => {
    for (const job of changed) {
      try {
        job.template = await Template.fromFile(job.source);
        logger.info('template reloaded', { template: job.name });
      } catch (error) {
        // Keep rendering with the last good template; the output on disk stays as it is.
        logger.error(`template not reloaded: ${(error as Error).message}`, { template: job.name });
      }
    }
    runner.invalidate(changed);
  };
  const jobsOf = (path: string) => jobs.filter((job) => job.source === path);

  const fileWatcher = watchFiles([...new Set(jobs.map((job) => job.source))], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } });
  fileWatcher.on('change', (path) => void reload(jobsOf(path)));
  fileWatcher.on('add', (path) => void reload(jobsOf(path)));
  fileWatcher.on('unlink', (path) => logger.error('template file removed; keeping the last good output', { template: path }));
  const stopHandlingReload = onSignals([reloadSignal], () => void reload(jobs));
  return async () => {
    stopHandlingReload();
    await fileWatcher.close();
  };
}

// Template hot-reload, an observer of the run: a template file edited on disk, or the reload
// signal (SIGHUP) for all of them, is compiled again and rendered. A template broken by an edit
// keeps its last good version (and output); a removed file is reported and changes nothing. A
// config file's `contents` has no file: the reload signal renders it again as it is.
import { watch as watchFiles } from 'chokidar';
import type { Logger } from '../log/logger.ts';
import { onSignals } from '../process/signals.ts';
import type { Runner, RunnerJob } from '../runner/runner.ts';
import { Template } from '../template/template.ts';

/** Starts watching; returns the function that stops it. */
export function reloadTemplatesOnChange(jobs: readonly RunnerJob[], runner: Runner, logger: Logger, reloadSignal: NodeJS.Signals): () => Promise<void> {
  const reload = async (changed: readonly RunnerJob[]) => {
    for (const job of changed) {
      if (job.contents !== undefined) continue;
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
  const files = jobs.filter((job) => job.contents === undefined);
  const jobsOf = (path: string) => files.filter((job) => job.source === path);

  const fileWatcher = watchFiles([...new Set(files.map((job) => job.source))], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } });
  fileWatcher.on('change', (path) => void reload(jobsOf(path)));
  fileWatcher.on('add', (path) => void reload(jobsOf(path)));
  fileWatcher.on('unlink', (path) => logger.error('template file removed; keeping the last good output', { template: path }));
  const stopHandlingReload = onSignals([reloadSignal], () => void reload(jobs));
  return async () => {
    stopHandlingReload();
    await fileWatcher.close();
  };
}

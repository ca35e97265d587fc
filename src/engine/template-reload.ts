// Template hot-reload, an observer of the run: a template file edited on disk, or the reload
// signal (SIGHUP) for all of them, is compiled again and rendered. A template broken by an edit
// keeps its last good version (and output); a removed file is reported and changes nothing. A
// config file's `contents` has no file: the reload signal renders it again as it is.
//
// The signal is answered from the start. The files are watched only from `watchFrom` on (the run's
// first render): loading chokidar and its first look at the files took about 10 ms that came
// before the first render. A file edited before its watch began is found once it has, by its text.
import { readFile } from 'node:fs/promises';
import type { FSWatcher } from 'chokidar';
import type { Logger } from '../log/logger.ts';
import { onSignals } from '../process/signals.ts';
import type { Runner, RunnerJob } from '../runner/runner.ts';
import { Template } from '../template/template.ts';

type Reload = (changed: readonly RunnerJob[]) => Promise<void>;

/** Starts answering the signal, and watching the files once `watchFrom` resolves; returns the function that stops both. */
export function reloadTemplatesOnChange(
  jobs: readonly RunnerJob[], runner: Runner, logger: Logger, reloadSignal: NodeJS.Signals, watchFrom: Promise<unknown>,
): () => Promise<void> {
  const reload: Reload = async (changed) => {
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
  const stopHandlingReload = onSignals([reloadSignal], () => void reload(jobs));
  let stop: () => void = () => {};
  const stopped = new Promise<false>((resolve) => (stop = () => resolve(false)));
  const files = jobs.filter((job) => job.contents === undefined);
  const watching = Promise.race([watchFrom.then(() => true), stopped]).then((start) => (start ? watchTemplateFiles(files, reload, logger) : undefined));
  return async () => {
    stop();
    stopHandlingReload();
    await (await watching)?.close();
  };
}

async function watchTemplateFiles(files: readonly RunnerJob[], reload: Reload, logger: Logger): Promise<FSWatcher> {
  const { watch } = await import('chokidar');
  const jobsOf = (path: string) => files.filter((job) => job.source === path);
  const fileWatcher = watch([...new Set(files.map((job) => job.source))], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } });
  fileWatcher.on('change', (path) => void reload(jobsOf(path)));
  fileWatcher.on('add', (path) => void reload(jobsOf(path)));
  fileWatcher.on('unlink', (path) => logger.error('template file removed; keeping the last good output', { template: path }));
  fileWatcher.once('ready', () => void reloadEditedSinceRead(files, reload, logger));
  return fileWatcher;
}

/** Reloads the jobs whose file no longer holds the text their template was compiled from; reports those removed. */
async function reloadEditedSinceRead(files: readonly RunnerJob[], reload: Reload, logger: Logger): Promise<void> {
  const texts = await Promise.all(files.map((job) => readFile(job.source, 'utf8').catch(() => undefined)));
  const removed = new Set(files.filter((_job, index) => texts[index] === undefined).map((job) => job.source));
  for (const path of removed) logger.error('template file removed; keeping the last good output', { template: path });
  const edited = files.filter((job, index) => texts[index] !== undefined && texts[index] !== job.template.source);
  if (edited.length > 0) await reload(edited);
}

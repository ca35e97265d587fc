// What `nginx -V` says about how the binary was built: where its compiled-in paths are and which
// modules it has. Nginx prints it on stderr (older builds) or stdout.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The output of `nginx -V`, or "" when it cannot be run. */
export async function nginxBuildInfo(nginx: string): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(nginx, ['-V'], { timeout: 10_000 });
    return stdout + stderr;
  } catch {
    return '';
  }
}

/** The value of a configure option such as `--conf-path`, if the build gives one. */
export function configureOption(buildInfo: string, option: string): string | undefined {
  return new RegExp(`${option}=(\\S+)`).exec(buildInfo)?.[1];
}

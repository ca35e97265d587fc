// drcon's Nginx directory: the main nginx.conf (shipped in nginx/, copied as is), conf.d/app.conf
// (the rendered template), the pid file and the temp directories. Nginx runs with this directory
// as its prefix (-p), so nothing is written elsewhere and several instances can run side by side.
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { resolveNginxBinary } from './nginx-binary.ts';
import { configureOption, nginxBuildInfo } from './nginx-build.ts';
import { placeholderConfig } from './placeholder.ts';
import { packagePath } from '../package-root.ts';

export interface NginxLayout {
  /** Absolute path of the directory, Nginx's prefix. */
  readonly dir: string;
  readonly mainConfig: string;
  readonly appConfig: string;
  readonly pidFile: string;
  /** The nginx executable used for checks and to run. */
  readonly nginx: string;
}

export interface PrepareOptions {
  /** Where the placeholder server listens until the first render: the template's `listen`. */
  listen: string;
  /** The nginx executable (path or name); found on PATH or in the usual sbin places when absent. */
  nginx?: string;
}

const shippedMainConfig = packagePath('nginx', 'nginx.conf');

/**
 * Creates (or refreshes) the directory: main config, mime types, temp dirs, and an app.conf
 * placeholder answering 503, so that Nginx can start before the first render. An app.conf left
 * by an earlier run is replaced: it may have been rendered for another listen address.
 */
export async function prepareNginxDir(dir: string, options: PrepareOptions): Promise<NginxLayout> {
  const absolute = resolve(dir);
  const nginx = await resolveNginxBinary(options.nginx);
  const layout: NginxLayout = {
    dir: absolute,
    mainConfig: join(absolute, 'nginx.conf'),
    appConfig: join(absolute, 'conf.d', 'app.conf'),
    pidFile: join(absolute, 'nginx.pid'),
    nginx,
  };
  const placeholder = placeholderConfig(options.listen);
  await mkdir(join(absolute, 'conf.d'), { recursive: true });
  await mkdir(join(absolute, 'modules.d'), { recursive: true }); // nginx.conf includes modules.d/*.conf
  // Nginx creates each temp directory itself (owned by its worker user when run as root) but not
  // their parent, which workers must be able to pass through: a large request body goes there.
  await mkdir(join(absolute, 'temp'), { recursive: true });
  await chmod(join(absolute, 'temp'), 0o711);
  await copyFile(shippedMainConfig, layout.mainConfig);
  await writeFile(join(absolute, 'mime.types'), await mimeTypes(nginx));
  await writeFile(layout.appConfig, placeholder);
  return layout;
}

/** Arguments that point nginx at the layout: run it with these (reload = SIGHUP to it), check with `-t -q` added. */
export function nginxArgs(layout: NginxLayout): string[] {
  // -e: errors met before the config is read go to stderr, not to a compiled-in log file.
  return ['-p', `${layout.dir}/`, '-c', layout.mainConfig, '-e', 'stderr'];
}

/** Nginx's own mime.types, or an empty list where it has none. */
async function mimeTypes(nginx: string): Promise<string> {
  const path = await defaultMimeTypesPath(nginx);
  return path === undefined ? emptyMimeTypes : readFile(path, 'utf8').catch(() => emptyMimeTypes);
}

const emptyMimeTypes = '# nginx has no mime.types here; proxied responses keep their own Content-Type\ntypes {\n}\n';

/** mime.types sits beside the nginx.conf compiled into the binary (`nginx -V`: --conf-path). */
async function defaultMimeTypesPath(nginx: string): Promise<string | undefined> {
  const confPath = configureOption(await nginxBuildInfo(nginx), '--conf-path');
  return confPath === undefined ? undefined : join(dirname(confPath), 'mime.types');
}

// The app.conf Nginx starts with, before drcon's first render: it binds the listen address
// right away and answers every request with 503, so Nginx can start while Consul is unreachable.
import { parseListen } from './listen.ts';

export const placeholderBody = 'drcon: no configuration rendered yet';

export function placeholderConfig(listen: string): string {
  return [
    '# Placeholder written by drcon until the template is first rendered.',
    'server {',
    `    listen ${parseListen(listen)} default_server;`,
    '    default_type text/plain;',
    `    return 503 "${placeholderBody}\\n";`,
    '}',
    '',
  ].join('\n');
}

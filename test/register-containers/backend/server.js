// The backend of drcon register's container tests: answers every request with its NAME.
const name = process.env.NAME ?? 'backend';
const ports = (process.env.PORTS ?? '80').split(',').map(Number);
for (const port of ports) {
  require('node:http')
    .createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`${name}\n`);
    })
    .listen(port);
}
// Ends at once on SIGTERM (as PID 1 nothing else would), after a grace set by STOP_DELAY_MS.
process.on('SIGTERM', () => setTimeout(() => process.exit(0), Number(process.env.STOP_DELAY_MS ?? 0)));

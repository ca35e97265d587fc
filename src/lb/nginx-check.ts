// What `nginx -t` printed, reduced to Nginx's own first error as one line: the check of the lb
// (nginx-actions.ts) reports a failed config with it.

// Lines look like "2025/01/02 03:04:05 [emerg] 123#123: unknown directive "x" in /d/conf.d/app.conf:3".
const logLine = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (.*)$/;

/** Nginx's first error in what `nginx -t` printed, as one line "nginx: …". */
export function firstNginxError(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const entries = lines.map((line) => logLine.exec(line)).filter((match) => match !== null);
  const error = entries.find((entry) => entry[1] === 'emerg') ?? entries.find((entry) => entry[1] !== 'notice');
  if (error) return `nginx: ${error[2]}`;
  return lines[0] === undefined ? undefined : `nginx: ${lines[0]}`;
}

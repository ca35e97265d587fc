// Malformed flags, environment and config files through the real command line: each must end
// drcon at once with exit status 2 and one line saying which value is wrong — never a stack
// trace, never a start with a silently different meaning.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrcon } from '../../harness/drcon.ts';

const dir = mkdtempSync(join(tmpdir(), 'drcon-hostile-flags-'));
const template = join(dir, 't.hbs');
const target = ['-template', `${template}:${join(dir, 't.out')}`];

function config(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

before(() => writeFileSync(template, 'x\n'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  args: string[];
  env?: Record<string, string>;
  message: RegExp;
}

const cases: Case[] = [
  // Consul addresses, from the flag, the environment and a config file.
  { args: ['render', ...target, '-consul-addr', 'http://bad host:1'], message: /^-consul-addr: invalid Consul address "http:\/\/bad host:1"/ },
  { args: ['render', ...target, '-consul-addr', 'ftp://x:1'], message: /^-consul-addr: .*scheme "ftp" is not supported/ },
  { args: ['render', ...target, '-consul-addr', ''], message: /^-consul-addr: .*empty/ },
  { args: ['render', ...target, '-consul-addr', 'localhost:99999'], message: /^-consul-addr: .*port 99999/ },
  { args: ['render', ...target, '-consul-addr', 'http://[::1'], message: /^-consul-addr: / },
  { args: ['render', ...target], env: { CONSUL_HTTP_ADDR: 'http://bad host:1' }, message: /^CONSUL_HTTP_ADDR: invalid Consul address/ },
  // Files named by flags.
  { args: ['render', ...target, '-token-file', join(dir, 'no-token')], message: /^-token-file: cannot read .*no-token: ENOENT/ },
  { args: ['render', ...target, '-ca-file', join(dir, 'no-ca.pem')], message: /^-ca-file: cannot read .*no-ca\.pem: ENOENT/ },
  // Durations and the wait window.
  { args: ['render', ...target, '-max-stale', '5x'], message: /^-max-stale: invalid duration "5x" \(unknown unit "x"/ },
  { args: ['render', ...target, '-max-stale=-1s'], message: /^-max-stale: invalid duration "-1s" \(must not be negative\)/ },
  { args: ['render', ...target, '-consul-wait', '1'], message: /^-consul-wait: invalid duration "1" \(missing unit, e\.g\. 1s\)/ },
  { args: ['render', ...target, '-min-interval', ''], message: /^-min-interval: invalid duration ""/ },
  { args: ['render', ...target, '-max-blocking-queries', '0'], message: /^-max-blocking-queries: expected a whole number ≥ 1, got "0"/ },
  { args: ['lb', '-max-blocking-queries', '2.5'], message: /^-max-blocking-queries: expected a whole number ≥ 1, got "2\.5"/ },
  { args: ['render', ...target, '-once', '-consul-retry-attempts', 'many'], message: /^-consul-retry-attempts: expected a whole number ≥ 0, got "many"/ },
  { args: ['render', ...target, '-command-timeout', '9999999h'], message: /^-command-timeout: .*longer than the maximum/ },
  { args: ['render', ...target, '-command-timeout', '1e3s'], message: /^-command-timeout: invalid duration "1e3s"/ },
  { args: ['render', ...target, '-wait', '1s:2s:3s'], message: /^-wait: invalid wait "1s:2s:3s"/ },
  { args: ['render', ...target, '-wait', '5s:1s'], message: /^-wait: .*max is less than min/ },
  // Choices, addresses and booleans.
  { args: ['render', ...target, '-log-level', 'loud'], message: /log-level.*"loud"/ },
  { args: ['render', ...target, '-log-format', 'xml'], message: /log-format.*"xml"/ },
  { args: ['render', ...target, '-status-addr', 'nope'], message: /^-status-addr: invalid address "nope"/ },
  { args: ['render', ...target, '-status-addr', '1.2.3.4:99999'], message: /^-status-addr: .*above 65535/ },
  { args: ['render', ...target], env: { STATUS_ADDR: 'x:y' }, message: /^STATUS_ADDR: invalid address "x:y"/ },
  { args: ['render', ...target, '-once=maybe'], message: /^-once: expected true or false, got "maybe"/ },
  { args: ['render', ...target, '--dry=yes'], message: /^-dry: expected true or false, got "yes"/ },
  // Signals and the pid file.
  { args: ['render', ...target, '-kill-signal', 'SIGNOPE'], message: /^-kill-signal: unknown signal "SIGNOPE"$/ },
  { args: ['render', ...target, '-kill-signal', 'KILL'], message: /^-kill-signal: SIGKILL cannot be caught$/ },
  { args: ['render', ...target, '-kill-signal', 'HUP'], message: /^-kill-signal: SIGHUP is the reload signal; give -reload-signal another one$/ },
  { args: ['render', ...target, '-reload-signal', 'TERM'], message: /^-reload-signal: SIGTERM stops drcon$/ },
  { args: ['lb', '-exec-kill-signal', 'nope'], message: /^-exec-kill-signal: unknown signal "nope"$/ },
  { args: ['render', ...target, '-exec-kill-timeout', '5'], message: /^-exec-kill-timeout: invalid duration "5"/ },
  { args: ['render', ...target, '-pid-file', ' '], message: /^-pid-file: must not be empty$/ },
  { args: ['render', ...target, '-consul-token', 't', '-token-file', 'f'], message: /^-consul-token: give the token or -token-file, not both$/ },
  // -template strings.
  { args: ['render', '-template', 'in.hbs'], message: /^-template "in\.hbs": missing destination/ },
  { args: ['render', '-template', ':out'], message: /^-template ":out": empty source/ },
  { args: ['render', '-template', 'in.hbs: '], message: /^-template "in\.hbs: ": empty destination/ },
  { args: ['render', '-template', ''], message: /^-template "": / },
  { args: ['render'], message: /^-template: at least one template is needed/ },
  // Unknown flags, named as typed, with the nearest real flag when one is close; every command.
  { args: ['render', ...target, '-nosuch'], message: /^unknown flag -nosuch$/ },
  { args: ['render', ...target, '-no-such-flag'], message: /^unknown flag -no-such-flag$/ },
  { args: ['render', ...target, '-consul-adr', '127.0.0.1:8500'], message: /^unknown flag -consul-adr \(did you mean -consul-addr\?\)$/ },
  { args: ['render', ...target, '--tempalte=x'], message: /^unknown flag --tempalte \(did you mean -template\?\)$/ },
  { args: ['lb', '-servce', 'web'], message: /^unknown flag -servce \(did you mean -service\?\)$/ },
  { args: ['convert', 'in.ctmpl', '-ouptut', 'out.hbs'], message: /^unknown flag -ouptut \(did you mean -output\?\)$/ },
  { args: ['nosuchcommand'], message: /^unknown command "nosuchcommand" \(commands: render, lb, convert, register\)$/ },
  { args: ['rendr', '-once'], message: /^unknown command "rendr" \(did you mean render\?\)$/ },
  { args: [], message: /^no command given/ },
  // drcon lb.
  { args: ['lb', '-listen', 'abc'], message: /^-listen: invalid listen address "abc"/ },
  { args: ['lb', '-listen', '70000'], message: /^-listen: invalid listen address "70000"/ },
  { args: ['lb', '-listen', '127.0.0.1:80; server { listen 81; }'], message: /^-listen: invalid listen address/ },
  { args: ['lb', '-listen', 'unix:relative'], message: /^-listen: invalid listen address "unix:relative"/ },
  { args: ['lb'], env: { LISTEN: 'zzz' }, message: /^-listen: invalid listen address "zzz"/ },
  { args: ['lb', '-template', 'a', '-template', 'b'], message: /^-template: drcon lb takes one template/ },
  { args: ['lb', '-min-interval', 'soon'], message: /^-min-interval: invalid duration "soon"/ },
];

const configCases: [string, string, RegExp][] = [
  ['truncated.json', '{"consul": {"address":', /truncated\.json:1:23: unexpected end of input/],
  ['empty.json', '', /empty\.json:1:1: unexpected end of input/],
  ['junk.json', '{"wait": "2s",\n  oops}', /junk\.json:2:3: expected double-quoted property name/],
  ['binary.json', '\u0000\u00ff{', /binary\.json:1:1: unexpected token "\\u0000"/],
  ['null.json', 'null', /null\.json: must be an object/],
  ['unknown.json', '{"vault": {}}', /unknown\.json: unsupported setting "vault"/],
  ['bad-wait.json', '{"wait": "5x"}', /bad-wait\.json: wait: invalid duration "5x"/],
  ['wait-block.json', '{"wait": {"min": "5s", "max": "1s"}}', /wait-block\.json: wait: .*max is less than min/],
  ['negative.json', '{"max_stale": "-1s"}', /negative\.json: max_stale: invalid duration "-1s" \(must not be negative\)/],
  ['level.json', '{"log_level": "loud"}', /level\.json: "log_level" must be one of/],
  ['address.json', '{"consul": {"address": "http://bad host"}}', /address\.json: "consul\.address" invalid Consul address/],
  ['address-type.json', '{"consul": {"address": 8500}}', /address-type\.json: "consul\.address" must be a string/],
  ['no-destination.json', '{"template": {"source": "a"}}', /no-destination\.json: "template\[0\]" needs "destination"/],
  ['template-type.json', '{"template": [1]}', /template-type\.json: "template\[0\]" must be an object/],
  ['deep.json', '['.repeat(100_000) + ']'.repeat(100_000), /deep\.json: must be an object/],
  ['deep-broken.json', '['.repeat(100_000) + 'x', /deep-broken\.json: not valid JSON/],
];
for (const [name, content, message] of configCases) {
  cases.push({ args: ['render', ...target, '-config', config(name, content)], message });
}
cases.push({ args: ['render', ...target, '-config', join(dir, 'missing.json')], message: /missing\.json: cannot read the config file \(ENOENT\)/ });
cases.push({ args: ['render', ...target, '-config', dir], message: /cannot read the config file \(EISDIR\)/ });

test(`${cases.length} malformed flags, environment values and config files: exit 2, one line naming the value`, async () => {
  // A few at a time: each is a whole drcon process.
  const results: { item: Case; code: number | null; stderr: string }[] = [];
  for (let start = 0; start < cases.length; start += 6) {
    const batch = cases.slice(start, start + 6);
    results.push(...(await Promise.all(batch.map(async (item) => ({ item, ...(await runDrcon(item.args, { env: item.env, timeoutMs: 20_000 })) })))));
  }
  for (const { item, code, stderr } of results) {
    const what = `${item.args.map((arg) => arg.replace(dir, '…')).join(' ')}${item.env ? ` with ${JSON.stringify(item.env)}` : ''}`;
    assert.equal(code, 2, `${what}: exit ${code}: ${stderr}`);
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${what}: ${stderr}`);
    assert.match(lines[0]!, /^drcon: /, what);
    assert.match(lines[0]!.slice('drcon: '.length), item.message, what);
  }
});

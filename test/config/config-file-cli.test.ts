// -config end to end: the real drcon command line against a real Consul dev agent, with
// consul-template HCL and JSON config files.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon } from '../../harness/drcon.ts';
import { freePort } from '../../harness/ports.ts';

describe('drcon -config', () => {
  let consul: ConsulAgent;
  const dir = mkdtempSync(join(tmpdir(), 'drcon-config-cli-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const read = (path: string): string => readFileSync(path, 'utf8');

  before(async () => {
    consul = await startConsul();
    await consul.putKey('app/greeting', 'hello');
    await consul.putKey('app/port', '8080');
  });
  after(async () => {
    await consul?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders -once with nothing but config files: HCL and JSON, templates from both', async () => {
    const greeting = file('greeting.hbs', 'say {{key "app/greeting"}}\n');
    const port = file('port.hbs', 'listen {{key "app/port"}};\n');
    const marker = join(dir, 'command-ran');
    const hcl = file('consul.hcl', `
# consul-template style: the agent, then one template block
consul {
  address = "${consul.address}"
}
template {
  source      = "${greeting}"
  destination = "${join(dir, 'greeting.out')}"
  command     = ["sh", "-c", "echo \\"ran with $0\\" > '${marker}'", "a list"]
}
`);
    const json = file('more.json', JSON.stringify({ template: { source: port, destination: join(dir, 'port.out') } }));
    const run = await runDrcon(['render', '-once', '-config', hcl, '-config', json]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(read(join(dir, 'greeting.out')), 'say hello\n');
    assert.equal(read(join(dir, 'port.out')), 'listen 8080;\n');
    assert.equal(read(marker), 'ran with a list\n'); // the list command's words reached sh as they were
  });

  it('merges files in order and lets flags win', async () => {
    const closed = await freePort(); // nothing listens here: the run renders only if the flag's address wins
    const source = file('flags.hbs', '{{key "app/greeting"}}');
    const out = join(dir, 'flags.out');
    const first = file('first.hcl', `consul { address = "127.0.0.1:${closed}" }\nlog_level = "error"\ntemplate {\n  source = "${source}"\n  destination = "${out}"\n}\n`);
    const second = file('second.hcl', 'log_level = "debug"\n');
    const args = ['render', '-once', '-config', first, '-config', second, '-consul-addr', consul.address, '-log-format', 'json'];

    // The second file's log level wins over the first's: -once logs its settings at debug level.
    const merged = await runDrcon(args);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(read(out), 'hello');
    const settingsLine = merged.stderr.split('\n').find((line) => line.includes('"msg":"settings"'));
    assert.ok(settingsLine, merged.stderr);
    const settings = JSON.parse(settingsLine) as Record<string, unknown>;
    assert.equal(settings.consul, consul.address);
    assert.equal(settings.logLevel, 'debug');

    // A flag wins over both files.
    const flagged = await runDrcon([...args, '-log-level', 'error']);
    assert.equal(flagged.code, 0, flagged.stderr);
    assert.equal(flagged.stderr, '');
  });

  it('supervises the exec block\'s command and exits with its status', async () => {
    const source = file('exec.hbs', 'port={{key "app/port"}}\n');
    const out = join(dir, 'exec.out');
    const config = file('exec.hcl', `
consul { address = "${consul.address}" }
template {
  source      = "${source}"
  destination = "${out}"
}
exec {
  command       = ["sh", "-c", "cat '${out}'; exit 7"]
  reload_signal = "SIGHUP"
}
`);
    const run = await runDrcon(['render', '-config', config]);
    assert.equal(run.code, 7, run.stderr);
    assert.equal(run.stdout, 'port=8080\n'); // started after the first render, so it saw the file
  });

  it('names every unsupported setting on its own line and exits 2', async () => {
    const config = file('unsupported.hcl', `
consul {
  address = "${consul.address}"
  retry {
    backoff = "250ms"
  }
}
vault {
  address = "https://vault.example:8200"
}
template {
  source      = "a.hbs"
  destination = "a.out"
  perms       = 0640
}
`);
    const run = await runDrcon(['render', '-once', '-config', config]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, [
      `drcon: ${config}: unsupported setting "vault"`,
      `drcon: ${config}: unsupported setting "consul.retry.backoff"`,
      `drcon: ${config}: unsupported setting "template[0].perms"`,
      '',
    ].join('\n'));
  });

  it('reports an HCL syntax error as one line with file:line:col', async () => {
    const config = file('broken.hcl', 'consul {\n  address = "127.0.0.1:8500"\n  token "secret-token"\n}\n');
    const run = await runDrcon(['render', '-once', '-config', config]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, `drcon: ${config}:4:1: key 'token "…"' expected start of object ('{') or assignment ('=')\n`);
    assert.doesNotMatch(run.stderr, /secret-token/);
  });

  it('drcon lb refuses a config file\'s templates, which it would not render', async () => {
    const config = file('lb.hcl', `consul { address = "${consul.address}" }\ntemplate {\n  source = "a.hbs"\n  destination = "a.out"\n}\n`);
    const run = await runDrcon(['lb', '-config', config, '-dir', join(dir, 'nginx')]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^drcon: -config: drcon lb renders its own template; remove the "template" blocks/);
  });
});

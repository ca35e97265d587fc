// -config end to end: the real drcon command line against a real Consul dev agent, with
// consul-template HCL and JSON config files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startConsul, type ConsulAgent } from '../../harness/consul.ts';
import { runDrcon, startDrcon } from '../../harness/drcon.ts';
import { waitFor } from '../../harness/wait.ts';
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
  sandbox_path = "/srv"
}
`);
    const run = await runDrcon(['render', '-once', '-config', config]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr, [
      `drcon: ${config}: unsupported setting "vault"`,
      `drcon: ${config}: unsupported setting "consul.retry.backoff"`,
      `drcon: ${config}: unsupported setting "template[0].sandbox_path"`,
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

  it('a template\'s own wait overrides the global one, for that template only', async () => {
    await consul.putKey('app/waited', 'one');
    const source = file('waited.hbs', 'v={{key "app/waited"}}\n');
    const own = join(dir, 'own-wait.out');
    const global = join(dir, 'global-wait.out');
    // The global wait is an hour: only the template with a short wait of its own renders.
    const config = file('waits.hcl', `
consul { address = "${consul.address}" }
wait { min = "1h" }
template {
  source      = "${source}"
  destination = "${global}"
}
template {
  source      = "${source}"
  destination = "${own}"
  wait        = "20ms"
}
`);
    const drcon = startDrcon(['render', '-config', config]);
    try {
      await waitFor('the template with its own wait', () => existsSync(own) && read(own) === 'v=one\n');
      await consul.putKey('app/waited', 'two');
      await waitFor('its render of the change', () => read(own) === 'v=two\n');
      assert.equal(existsSync(global), false, drcon.output());
    } finally {
      await drcon.stop();
    }
  });

  it('writes a template\'s file with its perms, user, group and backup; renders inline contents', async () => {
    await consul.putKey('app/file', 'one');
    const source = file('file.hbs', 'v={{key "app/file"}}\n');
    const out = join(dir, 'file.out');
    writeFileSync(out, 'old\n', { mode: 0o644 });
    const inline = join(dir, 'new-dir', 'inline.out');
    const config = file('file.hcl', `
consul { address = "${consul.address}" }
template {
  source      = "${source}"
  destination = "${out}"
  perms       = 0600
  user        = "nobody"
  group       = "nogroup"
  backup      = true
}
template {
  contents    = "inline {{key \\"app/file\\"}}"
  destination = "${inline}"
}
`);
    const first = await runDrcon(['render', '-once', '-config', config]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(read(out), 'v=one\n');
    const stat = statSync(out);
    assert.equal(stat.mode & 0o777, 0o600, 'perms apply to a file that existed, too');
    assert.deepEqual([stat.uid, stat.gid], [65534, 65534], 'nobody:nogroup');
    assert.equal(read(`${out}.bak`), 'old\n');
    assert.equal(read(inline), 'inline one', 'contents rendered, its missing directory created');

    await consul.putKey('app/file', 'two');
    const second = await runDrcon(['render', '-once', '-config', config]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(read(out), 'v=two\n');
    assert.equal(read(`${out}.bak`), 'v=one\n', 'the backup is the file each write replaced');
  });

  it('create_dest_dirs = false: a missing directory fails the write, naming the file', async () => {
    const source = file('nodir.hbs', 'v={{key "app/greeting"}}\n');
    const out = join(dir, 'missing-dir', 'nodir.out');
    const config = file('nodir.hcl', `consul { address = "${consul.address}" }\ntemplate {\n  source = "${source}"\n  destination = "${out}"\n  create_dest_dirs = false\n}\n`);
    const run = await runDrcon(['render', '-once', '-config', config]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot write .*missing-dir\/nodir\.out: no such file or directory \(ENOENT\)/);
    assert.equal(existsSync(join(dir, 'missing-dir')), false);
  });

  it('template_error_fatal = true: a template that fails to render stops a watching drcon with status 1', async () => {
    const source = file('fatal.hbs', '{{toLower (services)}}\n'); // loads, but toLower gets a list
    const config = file('fatal.hcl', `consul { address = "${consul.address}" }\ntemplate_error_fatal = true\ntemplate {\n  source = "${source}"\n  destination = "${join(dir, 'fatal.out')}"\n}\n`);
    const drcon = startDrcon(['render', '-config', config]);
    try {
      await waitFor('drcon exit', () => drcon.process.exitCode !== null);
    } finally {
      await drcon.stop();
    }
    assert.equal(drcon.process.exitCode, 1, drcon.output());
    assert.match(drcon.output(), /render failed: .*fatal\.hbs:1:1: toLower: the value must be text, got a list/);
    assert.match(drcon.output(), /stopping: template_error_fatal is set/);
  });
});

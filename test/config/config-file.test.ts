import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { loadConfigFile, parseConfig } from '../../src/config/config-file.ts';

const rejectsAs = (file: string) => (text: string, message: string): void => {
  assert.throws(() => parseConfig(text, file), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, message);
    return true;
  });
};
const rejects = rejectsAs('config.json');
const rejectsHcl = rejectsAs('config.hcl');

/** Written the way consul-template's users write their HCL config, comments and all. */
const nginxHcl = `
# Where Consul is. The token stays out of every log line.
consul {
  address = "consul.internal:8501"
  token   = "a-token" // read by drcon, never printed
  ssl {
    verify  = false
    ca_cert = "/etc/drcon/ca.pem"
  }
}

/* Render only after changes have been quiet for a second,
   and at the latest six seconds after the first one. */
wait { min = "1s" max = "6s" }

max_stale        = "5s"
block_query_wait = "30s"
log_level        = "err"

template {
  source          = "/etc/drcon/upstreams.hbs"
  destination     = "/etc/nginx/conf.d/upstreams.conf"
  command         = "nginx -s reload"
  command_timeout = "15s"
  wait            = "500ms:3s"
}

template {
  source      = "/etc/drcon/maps.hbs"
  destination = "/etc/nginx/conf.d/maps.conf"
  command     = ["/usr/sbin/nginx", "-s", "reload"]
  check       = "nginx -t"
  wait {
    min = "2s"
  }
}

template {
  source      = "/etc/drcon/motd.hbs"
  destination = "/etc/motd"
  command     = <<EOT
test -s /etc/motd && logger "motd for \${HOSTNAME:-here} costs $$"
EOT
}
`;

const nginxSettings = {
  consulAddresses: ['https://consul.internal:8501'], // any ssl setting turns TLS on, as in consul-template
  token: 'a-token',
  insecureSkipVerify: true,
  caFile: '/etc/drcon/ca.pem',
  wait: { minMs: 1000, maxMs: 6000 },
  maxStaleMs: 5000,
  blockingWaitMs: 30_000,
  logLevel: 'error',
  templates: [
    {
      source: '/etc/drcon/upstreams.hbs',
      destination: '/etc/nginx/conf.d/upstreams.conf',
      command: 'nginx -s reload',
      commandTimeoutMs: 15_000,
      wait: { minMs: 500, maxMs: 3000 },
    },
    {
      source: '/etc/drcon/maps.hbs',
      destination: '/etc/nginx/conf.d/maps.conf',
      command: '/usr/sbin/nginx -s reload',
      check: 'nginx -t',
      wait: { minMs: 2000, maxMs: 8000 },
    },
    {
      source: '/etc/drcon/motd.hbs',
      destination: '/etc/motd',
      // HCL 1 leaves "${…}" and "$$" to the shell, as consul-template does.
      command: 'test -s /etc/motd && logger "motd for ${HOSTNAME:-here} costs $$"',
    },
  ],
};

describe('parseConfig: HCL', () => {
  it('reads a consul-template HCL config: comments, one-line and nested blocks, repeated templates, heredoc', () => {
    assert.deepEqual(parseConfig(nginxHcl, 'nginx.hcl'), nginxSettings);
  });

  it('reads the same settings from the JSON form', () => {
    const json = JSON.stringify({
      consul: { address: 'consul.internal:8501', token: 'a-token', ssl: { verify: false, ca_cert: '/etc/drcon/ca.pem' } },
      wait: { min: '1s', max: '6s' },
      max_stale: '5s',
      block_query_wait: '30s',
      log_level: 'err',
      template: [
        { source: '/etc/drcon/upstreams.hbs', destination: '/etc/nginx/conf.d/upstreams.conf', command: 'nginx -s reload', command_timeout: '15s', wait: '500ms:3s' },
        { source: '/etc/drcon/maps.hbs', destination: '/etc/nginx/conf.d/maps.conf', command: ['/usr/sbin/nginx', '-s', 'reload'], check: 'nginx -t', wait: { min: '2s' } },
        { source: '/etc/drcon/motd.hbs', destination: '/etc/motd', command: 'test -s /etc/motd && logger "motd for ${HOSTNAME:-here} costs $$"\n' },
      ],
    });
    assert.deepEqual(parseConfig(json, 'nginx.json'), nginxSettings);
  });

  it('reads a single template, assignment forms, the once flag and an empty file', () => {
    const text = 'template = { source = "a.hbs", destination = "a.conf" }\nwait = "2s"\nonce = true\n';
    assert.deepEqual(parseConfig(text, 'c.hcl'), {
      templates: [{ source: 'a.hbs', destination: 'a.conf' }],
      wait: { minMs: 2000, maxMs: 8000 },
      once: true,
    });
    assert.deepEqual(parseConfig('# nothing set here\n', 'empty.hcl'), {});
  });

  it('keeps each word of a list command one argument; a list of one is a shell command line', () => {
    const text = [
      'template {\n  source = "a"\n  destination = "b"\n  command = ["sh", "-c", "nginx -t && nginx -s reload", "it\'s"]\n}',
      'template {\n  source = "c"\n  destination = "d"\n  command = ["nginx -t && nginx -s reload"]\n}',
      'template {\n  source = "e"\n  destination = "f"\n  command = []\n}',
    ].join('\n');
    assert.deepEqual(parseConfig(text, 'c.hcl').templates?.map((template) => template.command), [
      `sh -c 'nginx -t && nginx -s reload' 'it'\\''s'`,
      'nginx -t && nginx -s reload',
      undefined,
    ]);
  });

  it('reads a template\'s command in newer consul-template\'s exec block', () => {
    const text = 'template {\n  source = "a"\n  destination = "b"\n  exec {\n    command = ["nginx", "-s", "reload"]\n    timeout = "20s"\n  }\n}';
    assert.deepEqual(parseConfig(text, 'c.hcl').templates, [{ source: 'a', destination: 'b', command: 'nginx -s reload', commandTimeoutMs: 20_000 }]);
    rejectsHcl(
      'template {\n  source = "a"\n  destination = "b"\n  command = "x"\n  exec {\n    command = "y"\n    splay = "1s"\n  }\n}',
      'config.hcl: "template[0]" gives both "exec" and "command"; give one of them',
    );
    rejectsHcl(
      'template {\n  source = "a"\n  destination = "b"\n  exec {\n    command = "y"\n    splay = "1s"\n  }\n}',
      'config.hcl: unsupported setting "template[0].exec.splay"',
    );
  });

  it('reads how a template\'s file is written, and inline contents', () => {
    const block = (body: string) => parseConfig(`template {\n  destination = "out"\n${body}\n}`, 'c.hcl').templates![0];
    assert.deepEqual(block('source = "a.hbs"\nperms = 0640\nbackup = true\nuser = "root"\ngroup = 0\ncreate_dest_dirs = false'), {
      source: 'a.hbs', destination: 'out', output: { perms: 0o640, backup: true, uid: 0, gid: 0, createDirectory: false },
    });
    // JSON writes the mode as octal text; the default delimiters and error_on_missing_key = false are what drcon does.
    assert.deepEqual(parseConfig('{"template": {"source": "a", "destination": "b", "perms": "0600", "left_delimiter": "{{", "right_delimiter": "}}", "error_on_missing_key": false}}', 'c.json').templates, [
      { source: 'a', destination: 'b', output: { perms: 0o600 } },
    ]);
    assert.deepEqual(block('contents = "v={{key \\"k\\"}}"'), { source: 'c.hcl:template[0].contents', contents: 'v={{key "k"}}', destination: 'out' });
    assert.deepEqual(parseConfig('template_error_fatal = true', 'c.hcl'), { templateErrorFatal: true });
  });

  it('refuses by name the template settings drcon cannot honour, and bad values', () => {
    const block = (body: string) => `template {\n  source = "a"\n  destination = "out"\n${body}\n}`;
    rejectsHcl(block('left_delimiter = "[["'), 'config.hcl: "template[0].left_delimiter" must be "{{": drcon\'s templates are Handlebars, whose delimiters cannot change');
    rejectsHcl(block('right_delimiter = "]]"'), 'config.hcl: "template[0].right_delimiter" must be "}}": drcon\'s templates are Handlebars, whose delimiters cannot change');
    rejectsHcl(block('error_on_missing_key = true'), 'config.hcl: "template[0].error_on_missing_key" cannot be true: in drcon\'s Handlebars templates a missing field renders empty (test it with {{#if}})');
    rejectsHcl(block('perms = "rw-r--r--"'), 'config.hcl: "template[0].perms" must be a file mode such as 0644');
    rejectsHcl(block('user = "no-such-user-here"'), 'config.hcl: "template[0].user" "no-such-user-here" is not in /etc/passwd');
    rejectsHcl(block('group = "no-such-group-here"'), 'config.hcl: "template[0].group" "no-such-group-here" is not in /etc/group');
    rejectsHcl(block('contents = "x"'), 'config.hcl: "template[0]" gives both "source" and "contents"; give one of them');
  });

  it('reads drcon\'s own pid file and signals', () => {
    assert.deepEqual(parseConfig('pid_file = "/run/drcon.pid"\nkill_signal = "SIGUSR2"\nreload_signal = "usr1"\n', 'c.hcl'), {
      pidFile: '/run/drcon.pid', killSignal: 'SIGUSR2', reloadSignal: 'SIGUSR1',
    });
    rejectsHcl('kill_signal = "SIGNOPE"', 'config.hcl: "kill_signal" is not a signal: "SIGNOPE"');
    rejectsHcl('pid_file = ""', 'config.hcl: "pid_file" must not be empty');
  });

  it('reads exec with its reload signal; a command list runs directly', () => {
    assert.deepEqual(parseConfig('exec {\n  command = "app --serve"\n  reload_signal = "hup"\n}', 'c.hcl'), {
      exec: { command: 'app --serve', reloadSignal: 'SIGHUP' },
    });
    assert.deepEqual(parseConfig('exec {\n  command = ["app", "--port", "80 80"]\n  reload_signal = "SIGUSR2"\n}', 'c.hcl'), {
      exec: { command: ['app', '--port', '80 80'], reloadSignal: 'SIGUSR2' },
    });
    assert.deepEqual(parseConfig('exec {\n  command = "app"\n  reload_signal = "HUP"\n  kill_signal = "quit"\n  kill_timeout = "20s"\n}', 'c.hcl'), {
      exec: { command: 'app', reloadSignal: 'SIGHUP' }, execKillSignal: 'SIGQUIT', execKillTimeoutMs: 20_000,
    });
    rejectsHcl('exec {\n  command = "app"\n}', 'config.hcl: "exec" needs "reload_signal" (drcon signals the child after a change, it does not restart it)');
    rejectsHcl('exec {\n  command = "app"\n  reload_signal = "SIGNOPE"\n}', 'config.hcl: "exec.reload_signal" is not a signal: "SIGNOPE"');
    rejectsHcl('exec {\n  command = []\n  reload_signal = "HUP"\n}', 'config.hcl: "exec.command" must not be empty');
  });

  it('turns TLS on like consul-template: any ssl setting unless enabled = false', () => {
    const tls = (ssl: string, address = 'c:8501') => parseConfig(`consul {\n  address = "${address}"\n  ssl {\n${ssl}\n  }\n}`, 'c.hcl');
    assert.deepEqual(tls('enabled = true'), { consulAddresses: ['https://c:8501'] });
    assert.deepEqual(tls('enabled = true\nverify = true'), { consulAddresses: ['https://c:8501'], insecureSkipVerify: false });
    assert.deepEqual(tls('enabled = false\nca_cert = "ca.pem"'), { consulAddresses: ['c:8501'], caFile: 'ca.pem' });
    assert.deepEqual(tls('ca_cert = "ca.pem"', 'https://c'), { consulAddresses: ['https://c'], caFile: 'ca.pem' });
    assert.deepEqual(tls(''), { consulAddresses: ['c:8501'] }); // an empty block sets nothing
    assert.deepEqual(tls('cert = "c.pem"\nkey = "k.pem"\nca_path = "/etc/ca.d"\nserver_name = "consul.internal"'), {
      consulAddresses: ['https://c:8501'], clientCert: 'c.pem', clientKey: 'k.pem', caPath: '/etc/ca.d', tlsServerName: 'consul.internal',
    });
    rejectsHcl('consul {\n  ssl {\n    enabled = true\n  }\n}', 'config.hcl: "consul.ssl" turns TLS on, which needs "consul.address" in the same file');
    rejectsHcl('consul {\n  ssl {\n    verify = "no"\n  }\n}', 'config.hcl: "consul.ssl.verify" must be true or false');
  });

  it('reads how many tries a -once run gives a Consul query; enabled = false is one try', () => {
    const retry = (body: string) => parseConfig(`consul {\n  retry {\n${body}\n  }\n}`, 'c.hcl');
    assert.deepEqual(retry('attempts = 3'), { retryAttempts: 3 });
    assert.deepEqual(retry('attempts = 0'), { retryAttempts: 0 });
    assert.deepEqual(retry('enabled = false'), { retryAttempts: 1 });
    assert.deepEqual(retry('enabled = true'), {});
    assert.deepEqual(parseConfig('{"consul": {"retry": {"attempts": 5}}}', 'c.json'), { retryAttempts: 5 });
    rejectsHcl('consul {\n  retry {\n    attempts = "3"\n  }\n}', 'config.hcl: "consul.retry.attempts" must be a whole number ≥ 0');
    rejects('{"consul": {"retry": {"attempts": 2.5}}}', 'config.json: "consul.retry.attempts" must be a whole number ≥ 0');
    rejects('{"consul": {"retry": {"attempts": -1}}}', 'config.json: "consul.retry.attempts" must be a whole number ≥ 0');
  });

  it('treats an empty token as none, as consul-template\'s sample config does', () => {
    assert.deepEqual(parseConfig('consul {\n  address = "a:1"\n  token = ""\n}', 'c.hcl'), { consulAddresses: ['a:1'] });
  });

  it('names every unsupported consul-template setting, one line each', () => {
    const text = `
vault { address = "https://vault:8200" }
consul {
  address = "127.0.0.1:8500"
  retry { backoff = "1s" }
  auth { enabled = true }
}
deduplicate { enabled = true }
syslog { enabled = true }
exec { command = "app" reload_signal = "SIGHUP" splay = "5s" }
template {
  source       = "a.hbs"
  destination  = "a.conf"
  sandbox_path = "/srv"
  function_denylist = ["plugin"]
}
template {
  source      = "b.hbs"
  destination = "b.conf"
  source_content = "x"
}
`;
    // HCL 1 sorts each block's keys; the blocks are read top-level first, then in drcon's order.
    rejectsHcl(text, [
      'deduplicate', 'syslog', 'vault', 'consul.auth', 'consul.retry.backoff',
      'template[0].function_denylist', 'template[0].sandbox_path', 'template[1].source_content', 'exec.splay',
    ].map((name) => `config.hcl: unsupported setting "${name}"`).join('\n'));
  });

  it('reports the unsupported settings found before a value error too', () => {
    rejectsHcl('template {\n  sandbox_path = "/srv"\n  destination = "out"\n}\n', [
      'config.hcl: unsupported setting "template[0].sandbox_path"',
      'config.hcl: "template[0]" needs "source" or "contents"',
    ].join('\n'));
  });

  it('refuses a once-only block given twice, and a bad address', () => {
    rejectsHcl('consul { address = "a:1" }\nconsul { address = "b:1" }\n', 'config.hcl: "consul" is given 2 times; give it once');
    rejectsHcl('consul {\n  address = "ftp://a"\n}', 'config.hcl: "consul.address" invalid Consul address "ftp://a": scheme "ftp" is not supported (use http or https)');
  });

  it('reports HCL syntax errors as one line with file:line:col', () => {
    rejectsHcl('consul {\n  address = "127.0.0.1:8500"\n\ntemplate {\n  source = "a"\n}\n', 'config.hcl:7:2: object expected closing RBRACE got: EOF');
    rejectsHcl('log_level = "info"\nmax_stale = "2s\n', 'config.hcl:2:16: literal not terminated');
    rejectsHcl('template {\n  command = <<EOT\nnginx -s reload\n}\n', 'config.hcl:5:1: heredoc not terminated');
    rejectsHcl('wait = ["1s" "2s"]', 'config.hcl:1:14: error parsing list, expected comma or list end, got: STRING');
  });

  it('keeps values, which may be the token, out of syntax errors', () => {
    rejectsHcl('consul {\n  token = s3cret-word\n}\n', 'config.hcl:2:11: unknown token');
    rejectsHcl('consul {\n  token "s3cret"\n}\n', `config.hcl:3:1: key 'token "…"' expected start of object ('{') or assignment ('=')`);
  });
});

describe('parseConfig: format', () => {
  const hcl = 'log_level = "warn"';
  const json = '{"log_level": "warn"}';

  it('goes by the extension, else by the first character', () => {
    for (const [text, file] of [[hcl, 'a.hcl'], [hcl, 'a.conf'], [hcl, 'noextension'], [json, 'a.json'], [json, 'a.conf'], [`\n  ${json}`, 'a'], [json, 'a.hcl']]) {
      assert.deepEqual(parseConfig(text!, file!), { logLevel: 'warn' }, `${file}: ${text}`);
    }
    rejects(hcl, "config.json:1:1: unexpected token 'l'"); // .json is JSON, whatever its content
  });

  it('refuses YAML by name', () => {
    rejectsAs('drcon.yaml')('log_level: warn', "drcon.yaml: YAML config files are not supported; write it in consul-template's HCL or JSON form");
  });
});

describe('parseConfig: JSON', () => {
  it('reads every supported setting', () => {
    const text = JSON.stringify({
      consul: { address: 'consul.service:8500', token: 'secret', ssl: { enabled: false, ca_cert: 'ca.pem' } },
      template: [
        {
          source: 'nginx.hbs',
          destination: 'nginx.conf',
          command: 'nginx -s reload',
          command_timeout: '10s',
          wait: { min: '1s', max: '5s' },
          check: 'nginx -t',
        },
        { source: 'b.hbs', destination: 'b.conf', wait: '2s' },
      ],
      exec: { command: 'app', reload_signal: 'SIGHUP' },
      wait: '500ms:2s',
      max_stale: '5s',
      block_query_wait: '45s',
      log_level: 'debug',
      once: false,
    });
    assert.deepEqual(parseConfig(text, 'config.json'), {
      consulAddresses: ['consul.service:8500'],
      token: 'secret',
      caFile: 'ca.pem',
      templates: [
        {
          source: 'nginx.hbs',
          destination: 'nginx.conf',
          command: 'nginx -s reload',
          commandTimeoutMs: 10_000,
          wait: { minMs: 1000, maxMs: 5000 },
          check: 'nginx -t',
        },
        { source: 'b.hbs', destination: 'b.conf', wait: { minMs: 2000, maxMs: 8000 } },
      ],
      exec: { command: 'app', reloadSignal: 'SIGHUP' },
      wait: { minMs: 500, maxMs: 2000 },
      maxStaleMs: 5000,
      blockingWaitMs: 45_000,
      logLevel: 'debug',
      once: false,
    });
  });

  it('reads an empty object as no settings', () => {
    assert.deepEqual(parseConfig('{}', 'config.json'), {});
  });

  it('accepts a single template block, several addresses, a wait block without max and "err"', () => {
    const text = JSON.stringify({
      consul: { address: ['a:8500', 'b:8500'] },
      template: { source: 'a', destination: 'b', command: '  ' },
      wait: { min: '1s' },
      log_level: 'ERR',
    });
    assert.deepEqual(parseConfig(text, 'config.json'), {
      consulAddresses: ['a:8500', 'b:8500'],
      templates: [{ source: 'a', destination: 'b' }], // a blank command is no command
      wait: { minMs: 1000, maxMs: 4000 },
      logLevel: 'error',
    });
  });

  it('refuses unsupported settings by name', () => {
    rejects('{"vault": {}}', 'config.json: unsupported setting "vault"');
    rejects('{"consul": {"retry": {"max_backoff": "1m"}}}', 'config.json: unsupported setting "consul.retry.max_backoff"');
    rejects('{"consul": {"address": "a", "transport": {"dial_keep_alive": "5s"}}}', 'config.json: unsupported setting "consul.transport"');
    rejects(
      '{"template": [{"source": "a", "destination": "b"}, {"source": "a", "destination": "c", "sandbox_path": "/srv"}]}',
      'config.json: unsupported setting "template[1].sandbox_path"',
    );
    rejects('{"wait": {"min": "1s", "maxx": "2s"}}', 'config.json: unsupported setting "wait.maxx"');
    rejects('{"exec": {"command": "a", "reload_signal": "HUP", "kill_timeout": "2s", "env": {}}}', 'config.json: unsupported setting "exec.env"');
  });

  it('refuses values of the wrong kind, naming the setting', () => {
    rejects('[]', 'config.json: must be an object');
    rejects('{"consul": "x"}', 'config.json: "consul" must be an object');
    rejects('{"consul": {"token": 5}}', 'config.json: "consul.token" must be a string');
    rejects('{"consul": {"address": []}}', 'config.json: "consul.address" must not be empty');
    rejects('{"template": [{"source": "a"}]}', 'config.json: "template[0]" needs "destination"');
    rejects('{"template": [{"source": " ", "destination": "b"}]}', 'config.json: "template[0].source" must not be empty');
    rejects('{"template": [{"source": "a", "destination": "b", "command": ["x", 1]}]}', 'config.json: "template[0].command" must be a string or a list of strings');
    rejects('{"template": [3]}', 'config.json: "template[0]" must be an object');
    rejects('{"log_level": "loud"}', 'config.json: "log_level" must be one of trace, debug, info, warn, error');
    rejects('{"wait": {"max": "1s"}}', 'config.json: "wait" needs "min"');
    rejects('{"once": "yes"}', 'config.json: "once" must be true or false');
  });

  it('refuses bad durations and windows with the duration message', () => {
    rejects('{"max_stale": "5"}', 'config.json: max_stale: invalid duration "5" (missing unit, e.g. 5s)');
    rejects('{"max_stale": 5}', 'config.json: "max_stale" must be a string');
    rejects(
      '{"template": [{"source": "a", "destination": "b", "command_timeout": "x"}]}',
      'config.json: template[0].command_timeout: invalid duration "x" (unknown unit "x"; expected e.g. 500ms, 2s, 1m)',
    );
    rejects('{"wait": "5s:1s"}', 'config.json: wait: invalid wait "5s:1s" (max is less than min)');
    rejects(
      '{"wait": {"min": "5s", "max": "1s"}}',
      'config.json: wait: invalid wait "{\\"min\\":\\"5s\\",\\"max\\":\\"1s\\"}" (max is less than min)',
    );
  });

  it('reports JSON syntax errors as file:line:col', () => {
    rejects('{\n  "wait": "2s"\n  "max_stale": "1s"\n}', "config.json:3:3: expected ',' or '}' after property value");
    rejects('{\n  "consul": {\n    "token": tru\n  }\n}', 'config.json:3:17: unexpected token "\\n"'); // V8 stops at the line break after "tru"
    rejects('{"a": tru}', "config.json:1:10: unexpected token '}'");
    rejects('{"wait": x}', "config.json:1:10: unexpected token 'x'");
    rejects('{\n  "a": 1,', 'config.json:2:10: expected double-quoted property name');
    rejects('', 'config.json:1:1: unexpected end of input');
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtemp(join(tmpdir(), 'drcon-config-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  it('reads a JSON file and an HCL file', async () => {
    const json = join(await dir, 'drcon.json');
    await writeFile(json, '{"max_stale": "3s"}');
    assert.deepEqual(await loadConfigFile(json), { maxStaleMs: 3000 });
    const hcl = join(await dir, 'drcon.hcl');
    await writeFile(hcl, 'max_stale = "4s"\n');
    assert.deepEqual(await loadConfigFile(hcl), { maxStaleMs: 4000 });
  });

  it('ignores a byte order mark', async () => {
    const json = join(await dir, 'bom.json');
    await writeFile(json, '\uFEFF{"log_level": "warn"}');
    assert.deepEqual(await loadConfigFile(json), { logLevel: 'warn' });
    const hcl = join(await dir, 'bom.hcl');
    await writeFile(hcl, '\uFEFFlog_level = "warn"');
    assert.deepEqual(await loadConfigFile(hcl), { logLevel: 'warn' });
  });

  it('names the file it cannot read', async () => {
    const file = join(await dir, 'missing.json');
    await assert.rejects(loadConfigFile(file), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `${file}: cannot read the config file (ENOENT)`);
      return true;
    });
  });
});

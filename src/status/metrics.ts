// drcon's Prometheus metrics, in a registry of their own (never prom-client's global one, so two
// drcon engines in one process, as in tests, do not share counters).
//
// Labels stay few and known: template names (from the configuration), Consul endpoints without
// their variable part, HTTP codes, and fixed words. Never a token, a KV key or value, an address or
// a command line: a command is labelled with the first template configured to run it.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ActionKind = 'check' | 'command';

/**
 * Node's process metrics (CPU, memory, handles, event-loop delay) in `registry`. prom-client
 * samples the event loop's delay every 10 ms unless told otherwise, which alone kept an idle
 * drcon at about half a percent of a core; every 100 ms still gives a scrape its percentiles.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
}

export interface DrconMetricsOptions {
  /** How many watches run now (read when scraped). */
  watches: () => number;
  /** Add the Nginx metrics of `drcon lb` (its command is the reload, its check `nginx -t`). */
  nginx?: boolean;
  /** With `nginx`: how many times drcon has started Nginx again after it died (read when scraped). */
  nginxRestarts?: () => number;
}

export class DrconMetrics {
  readonly registry = new Registry();
  readonly #renders: Counter<'template'>;
  readonly #renderErrors: Counter<'template'>;
  readonly #actions: Counter<'template' | 'kind' | 'result'>;
  readonly #actionSeconds: Histogram<'template' | 'kind'>;
  readonly #consulRequests: Counter<'endpoint' | 'code'>;
  readonly #consulErrors: Counter;
  readonly #lastSuccess: Gauge<'template'>;
  readonly #nginxReloads: Counter<'result'> | undefined;
  readonly #nginxCheckFailures: Counter | undefined;
  readonly #nginxLiveUpdates: Counter<'result'> | undefined;

  constructor(options: DrconMetricsOptions) {
    const registers = [this.registry];
    collectProcessMetrics(this.registry);
    this.#renders = new Counter({
      name: 'drcon_renders_total', help: 'Complete renders of a template (written or unchanged).',
      labelNames: ['template'], registers,
    });
    this.#renderErrors = new Counter({
      name: 'drcon_render_errors_total', help: 'Renders that failed (template error, or the file could not be written).',
      labelNames: ['template'], registers,
    });
    this.#actions = new Counter({
      name: 'drcon_commands_total', help: 'Checks and commands run; a command shared by several templates is labelled with the first of them.',
      labelNames: ['template', 'kind', 'result'], registers,
    });
    this.#actionSeconds = new Histogram({
      name: 'drcon_command_duration_seconds', help: 'How long checks and commands ran.',
      labelNames: ['template', 'kind'], buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    });
    this.#consulRequests = new Counter({
      name: 'drcon_consul_requests_total', help: 'Finished Consul requests by endpoint and HTTP code ("error": no answer).',
      labelNames: ['endpoint', 'code'], registers,
    });
    this.#consulErrors = new Counter({
      name: 'drcon_consul_request_errors_total', help: 'Consul requests that got no answer (refused, reset, timed out, TLS).', registers,
    });
    new Gauge({
      name: 'drcon_watches', help: 'Distinct dependencies (Consul queries) the templates watch now.', registers,
      collect() {
        this.set(options.watches());
      },
    });
    this.#lastSuccess = new Gauge({
      name: 'drcon_last_success_timestamp_seconds', help: 'When a template last rendered completely and its file passed its check.',
      labelNames: ['template'], registers,
    });
    if (options.nginx) {
      this.#nginxReloads = new Counter({
        name: 'drcon_nginx_reloads_total', help: 'Nginx reloads (SIGHUP) after a checked config change; before Nginx runs, one is a no-op that counts as ok.',
        labelNames: ['result'], registers,
      });
      this.#nginxCheckFailures = new Counter({
        name: 'drcon_nginx_check_failures_total', help: 'New configs that nginx -t rejected (the previous one was kept).', registers,
      });
      this.#nginxLiveUpdates = new Counter({
        name: 'drcon_nginx_live_updates_total', help: 'Peer lists sent to the running Nginx without a reload (-upstreams live).',
        labelNames: ['result'], registers,
      });
      const restarts = options.nginxRestarts ?? (() => 0);
      new Counter({
        name: 'drcon_nginx_restarts_total', help: 'Times Nginx exited without being asked to (a crash, kill -9) and drcon started it again.', registers,
        collect() {
          // The count is kept by what restarts Nginx; a counter only ever grows, so this is its value.
          this.reset();
          this.inc(restarts());
        },
      });
    }
  }

  /** Zero series for each template, so dashboards see them before the first event. */
  declareTemplates(templates: readonly string[]): void {
    for (const template of templates) {
      this.#renders.inc({ template }, 0);
      this.#renderErrors.inc({ template }, 0);
    }
    this.#nginxReloads?.inc({ result: 'ok' }, 0);
    this.#nginxReloads?.inc({ result: 'failed' }, 0);
    this.#nginxCheckFailures?.inc(0);
    this.#nginxLiveUpdates?.inc({ result: 'ok' }, 0);
    this.#nginxLiveUpdates?.inc({ result: 'failed' }, 0);
  }

  rendered(template: string, checked: boolean): void {
    this.#renders.inc({ template });
    if (checked) this.#lastSuccess.set({ template }, Date.now() / 1000);
  }

  renderFailed(template: string): void {
    this.#renderErrors.inc({ template });
  }

  actionDone(template: string, kind: ActionKind, ok: boolean, durationMs: number): void {
    this.#actions.inc({ template, kind, result: ok ? 'ok' : 'failed' });
    this.#actionSeconds.observe({ template, kind }, durationMs / 1000);
    if (kind === 'command') this.#nginxReloads?.inc({ result: ok ? 'ok' : 'failed' });
    if (kind === 'check' && !ok) this.#nginxCheckFailures?.inc();
  }

  liveUpdate(ok: boolean): void {
    this.#nginxLiveUpdates?.inc({ result: ok ? 'ok' : 'failed' });
  }

  consulRequest(endpoint: string, status: number | 'error'): void {
    this.#consulRequests.inc({ endpoint, code: String(status) });
    if (status === 'error') this.#consulErrors.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

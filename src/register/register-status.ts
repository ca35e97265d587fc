// GET /health and GET /metrics of `drcon register`: healthy when the Docker engine is followed
// and the last round at the Consul agent succeeded.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../status/metrics.ts';
import type { StatusSource } from '../status/status-server.ts';
import type { DockerFollowerEvents } from './docker-follower.ts';
import type { ReconcilerEvents } from './reconciler.ts';

export interface RegisterHealth {
  healthy: boolean;
  problems: string[];
  docker: { connected: boolean; lastError: string | null };
  consul: { reachable: boolean | null; lastError: string | null };
  services: number;
}

export class RegisterStatus implements StatusSource, DockerFollowerEvents, ReconcilerEvents {
  readonly #registry = new Registry();
  readonly #services: Gauge;
  readonly #dockerErrors: Counter;
  readonly #consulErrors: Counter;
  readonly #lag: Histogram;
  readonly #handling: Histogram;
  #dockerConnected = false;
  #dockerError: string | null = null;
  #consulReachable: boolean | null = null;
  #consulError: string | null = null;
  #count = 0;

  /** `served`: a status server will show this; without one, Node's process metrics stay uncollected. */
  constructor({ served }: { served: boolean }) {
    const registers = [this.#registry];
    if (served) collectProcessMetrics(this.#registry);
    this.#services = new Gauge({ name: 'drcon_register_services', help: 'Services the agent holds that this register owns, after its last round.', registers });
    this.#dockerErrors = new Counter({ name: 'drcon_register_docker_errors_total', help: 'Failures to reach or follow the Docker engine (each is followed by a reconnect and a new listing).', registers });
    this.#consulErrors = new Counter({ name: 'drcon_register_consul_errors_total', help: 'Rounds at the Consul agent that failed (retried with backoff).', registers });
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.#lag = new Histogram({
      name: 'drcon_register_event_lag_seconds', help: 'From a container event at the engine (its time) to its service written to the agent.',
      buckets, registers,
    });
    this.#handling = new Histogram({
      name: 'drcon_register_event_handling_seconds', help: 'From a container event read off the engine\'s stream to its service written to the agent: the part of the lag that is drcon register\'s.',
      buckets, registers,
    });
  }

  readonly metricsContentType = this.#registry.contentType;

  health(): RegisterHealth {
    const problems: string[] = [];
    if (!this.#dockerConnected) problems.push(`Docker engine not followed${this.#dockerError ? `: ${this.#dockerError}` : ' yet'}`);
    if (this.#consulReachable !== true) problems.push(`Consul agent not in step${this.#consulError ? `: ${this.#consulError}` : ' yet'}`);
    return {
      healthy: problems.length === 0,
      problems,
      docker: { connected: this.#dockerConnected, lastError: this.#dockerError },
      consul: { reachable: this.#consulReachable, lastError: this.#consulError },
      services: this.#count,
    };
  }

  metrics(): Promise<string> {
    return this.#registry.metrics();
  }

  dockerConnected(): void {
    this.#dockerConnected = true;
  }

  dockerFailed(message: string): void {
    this.#dockerConnected = false;
    this.#dockerError = message;
    this.#dockerErrors.inc();
  }

  consulAnswered(): void {
    this.#consulReachable = true;
  }

  consulFailed(message: string): void {
    this.#consulReachable = false;
    this.#consulError = message;
    this.#consulErrors.inc();
  }

  registered(count: number): void {
    this.#count = count;
    this.#services.set(count);
  }

  lag(sinceEventMs: number, sinceArrivalMs: number): void {
    this.#lag.observe(Math.max(0, sinceEventMs) / 1000);
    this.#handling.observe(sinceArrivalMs / 1000);
  }
}

// Keeps the agent holding exactly the desired services. Level-triggered: every round plans the
// difference between what runs and what the agent holds, and applies it, so a missed change, an
// agent that restarted empty, or a Consul outage all end the same way: the next round fixes it.
// A round reads the agent, unless the last one was quiet and the agent's node has not changed
// since (see #inStep). A round runs when the desired services change, when the agent's node
// changes in the catalog (a blocking query; one that fails means the agent may have restarted),
// and after a failure.
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff } from '../watch/backoff.ts';
import { ConsulError } from '../consul/client.ts';
import type { Logger } from '../log/logger.ts';
import { shortId } from './container-ref.ts';
import type { AgentServices, OwnedService } from './agent-services.ts';
import { plan, type DesiredService, type EventTiming, type Operation } from './plan.ts';
import { registrationDigest } from './owner-meta.ts';
import { ConcurrencyLimit } from '../watch/concurrency-limit.ts';

export interface ReconcilerEvents {
  consulAnswered(): void;
  consulFailed(message: string): void;
  /** After each round that reached the agent: how many owned services it holds now. */
  registered(count: number): void;
  /**
   * A desired service is in Consul, `sinceEventMs` after the engine event behind it and
   * `sinceArrivalMs` after that event reached drcon register (the engine's own delivery is the rest).
   */
  lag(sinceEventMs: number, sinceArrivalMs: number): void;
}

export interface ReconcilerOptions {
  agent: AgentServices;
  /** Undefined while unknown (before the engine was listed): no round runs then. */
  desired: () => ReadonlyMap<string, DesiredService> | undefined;
  logger: Logger;
  events: ReconcilerEvents;
  /** How long each blocking query on the agent's services waits. */
  agentWaitMs?: number;
  /** First and longest delay between retries while Consul fails. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** -ttl-refresh: pass the services' -ttl checks again this often (0 or undefined: they have none). */
  ttlRefreshMs?: number;
}

/** Writes to the agent at once: a burst of containers registers in parallel, within bounds. */
const writeConcurrency = 8;
/** What a passed -ttl check says. */
export const ttlCheckOutput = 'drcon register is running';
/** Docker health checks are TTL checks (see service-mapping.ts): pushed again once a day. */
const healthRefreshMs = 24 * 3600_000;

export class Reconciler {
  readonly #options: ReconcilerOptions;
  readonly #limit = new ConcurrencyLimit(writeConcurrency);
  #dirty = true;
  #wakeUp: (() => void) | undefined;
  #healthRefreshedAt = Date.now();
  /** The -ttl checks are due to be passed again. */
  #ttlDue = false;
  /**
   * What the agent held after the last round that read it and had nothing to change: the next
   * round (most often a container's event) plans against it instead of asking the agent again,
   * which is one round trip less between an event and its registration. Taken at every round, so
   * only a quiet round keeps one, and good only while `#agentChanges` has not moved.
   */
  #inStep: { services: Map<string, OwnedService>; agentChanges: number } | undefined;
  /**
   * Changes of the agent's node in the catalog (another writer, a restarted agent, our own writes
   * arriving there), and failures to follow it: each makes the next round read the agent.
   */
  #agentChanges = 0;
  /** Registrations the agent refused, by service ID → digest: not sent again until they change. */
  readonly #refused = new Map<string, string>();
  #consulDown = false;
  /** Events whose lag was reported: a later re-registration (the agent restarted, say) is not their lag. */
  readonly #reported = new WeakSet<EventTiming>();

  constructor(options: ReconcilerOptions) {
    this.#options = options;
  }

  /** Something may differ: run a round soon. */
  wake(): void {
    this.#dirty = true;
    this.#wakeUp?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.#reconcileLoop(signal), this.#watchAgent(signal), this.#ttlTimer(signal)]);
  }

  /** Every -ttl-refresh, a round that passes every -ttl check again. */
  async #ttlTimer(signal: AbortSignal): Promise<void> {
    const every = this.#options.ttlRefreshMs ?? 0;
    if (every <= 0) return;
    while (!signal.aborted) {
      await sleep(every, undefined, { signal }).catch(() => {});
      this.#ttlDue = true;
      this.wake();
    }
  }

  async #reconcileLoop(signal: AbortSignal): Promise<void> {
    const backoff = this.#backoff();
    while (!signal.aborted) {
      if (!this.#dirty) await this.#nextWake(signal);
      if (signal.aborted) return;
      this.#dirty = false;
      try {
        await this.#round();
        this.#consulUp();
        backoff.reset();
      } catch (error) {
        if (signal.aborted) return;
        this.#consulFailed(error as Error);
        this.#dirty = true;
        await sleep(backoff.next(), undefined, { signal }).catch(() => {});
      }
    }
  }

  async #round(): Promise<void> {
    const { agent, logger, events } = this.#options;
    const desired = this.#options.desired();
    // A restarted register must not remove what it owns before it knows what runs.
    if (desired === undefined) return;
    const refreshHealth = Date.now() - this.#healthRefreshedAt > healthRefreshMs;
    const refreshTtl = this.#ttlDue;
    const known = this.#inStep;
    this.#inStep = undefined;
    const agentChanges = this.#agentChanges;
    // A refresh reads the agent: what it pushes again is planned from what the agent says now.
    const reuse = known !== undefined && known.agentChanges === agentChanges && !refreshHealth && !refreshTtl;
    const actual = reuse ? known.services : await agent.owned();
    // Cleared now, so that a refresh falling due during this round is not lost.
    this.#ttlDue = false;
    const operations = plan(desired, actual, { refreshHealth, refreshTtl }).filter((operation) => !this.#isRefused(operation));
    // Registrations go before the state changes that need them, removals last.
    const phases = [operations.filter((op) => op.kind === 'register'), operations.filter((op) => op.kind !== 'register')];
    for (const phase of phases) {
      const results = await Promise.allSettled(phase.map((operation) => this.#limit.run(() => this.#apply(operation))));
      const failure = results.find((result) => result.status === 'rejected');
      // No answer from the agent: the round is retried whole once it answers.
      if (failure) {
        if (refreshTtl) this.#ttlDue = true;
        throw failure.reason;
      }
    }
    if (refreshHealth) this.#healthRefreshedAt = Date.now();
    const held = new Set(actual.keys());
    for (const operation of operations) {
      if (operation.kind === 'register') held.add(operation.service.registration.ID);
      if (operation.kind === 'deregister') held.delete(operation.actual.id);
    }
    events.registered(held.size);
    if (operations.length > 0) logger.debug('reconciled', { changes: operations.length, services: held.size });
    else this.#inStep = { services: actual, agentChanges };
  }

  async #apply(operation: Operation): Promise<void> {
    const { agent, logger, events } = this.#options;
    try {
      switch (operation.kind) {
        case 'register': {
          const { registration, event } = operation.service;
          await agent.register(registration);
          const now = Date.now();
          const fresh = event !== undefined && !this.#reported.has(event);
          if (fresh) {
            this.#reported.add(event);
            events.lag(now - event.at, now - event.receivedAt);
          }
          // With the lag, so a log reader (the bench) can tell the engine's delivery from drcon's part.
          logger.info(`${operation.replaces ? '~' : '+'}${describeDesired(operation.service)}`, fresh ? { eventLagMs: Math.round(now - event.at), handlingMs: now - event.receivedAt } : undefined);
          return;
        }
        case 'deregister':
          try {
            await agent.deregister(operation.actual.id);
          } catch (error) {
            // Someone removed it since the agent was read: it is gone, as planned.
            if (!(error instanceof ConsulError && error.status === 404)) throw error;
          }
          logger.info(`-${describeOwned(operation.actual)}`);
          return;
        case 'maintenance':
          await agent.maintenance(operation.service.registration.ID, operation.enable, 'drcon register: the container is stopping');
          logger.info(`${operation.enable ? '!' : '='}${describeDesired(operation.service)}${operation.enable ? ' draining: its container is stopping' : ' back in service'}`);
          return;
        case 'health': {
          const health = operation.service.health!;
          await agent.updateCheck(health.checkId, health.status, `Docker health: ${health.output}`);
          logger.info(`${health.status === 'passing' ? '=' : '!'}${describeDesired(operation.service)} ${health.status} (Docker health: ${health.output})`);
          return;
        }
        case 'ttl':
          await agent.updateCheck(operation.service.ttlCheckId!, 'passing', ttlCheckOutput);
          return;
      }
    } catch (error) {
      // The agent answered and refused (a check it does not accept, say): one warning, not a retry loop.
      if (error instanceof ConsulError && error.status >= 400 && error.status < 500 && operation.kind === 'register') {
        const { registration, container } = operation.service;
        this.#refused.set(registration.ID, registrationDigest(registration));
        logger.warn(`container ${container.name} (${shortId(container.id)}): Consul refused service ${registration.ID}: ${error.message}`);
        return;
      }
      throw error;
    }
  }

  #isRefused(operation: Operation): boolean {
    if (operation.kind !== 'register') return false;
    const refused = this.#refused.get(operation.service.registration.ID);
    if (refused === undefined) return false;
    if (refused === registrationDigest(operation.service.registration)) return true;
    this.#refused.delete(operation.service.registration.ID);
    return false;
  }

  /** Follows the agent's node in the catalog; wakes a round when it changed or the agent came back. */
  async #watchAgent(signal: AbortSignal): Promise<void> {
    const { agent } = this.#options;
    const backoff = this.#backoff();
    let node: string | undefined;
    let index: number | undefined;
    while (!signal.aborted) {
      try {
        node ??= await agent.nodeName();
        const next = index === undefined
          ? await agent.nodeIndex(node)
          : await agent.nodeIndex(node, { index, waitMs: this.#options.agentWaitMs ?? 60_000, signal });
        if (next !== index) {
          this.#agentChanges++;
          this.wake();
        }
        // Without an index (not a catalog answer) there is nothing to block on: look again later.
        if (next === undefined) await sleep(this.#options.agentWaitMs ?? 60_000, undefined, { signal }).catch(() => {});
        index = next;
        backoff.reset();
      } catch {
        if (signal.aborted) return;
        // The round reports the failure; here it only means: look again once the agent answers
        // (maybe another agent, or one restarted empty with its index reset).
        this.#agentChanges++;
        node = undefined;
        index = undefined;
        await sleep(backoff.next(), undefined, { signal }).catch(() => {});
      }
    }
  }

  #nextWake(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#wakeUp = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#wakeUp = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #backoff(): Backoff {
    return new Backoff({ initialMs: this.#options.retryInitialMs ?? 100, maxMs: this.#options.retryMaxMs ?? 2_000 });
  }

  #consulUp(): void {
    this.#options.events.consulAnswered();
    if (this.#consulDown) this.#options.logger.info('Consul answers again; registrations are in step');
    this.#consulDown = false;
  }

  #consulFailed(error: Error): void {
    this.#options.events.consulFailed(error.message);
    if (!this.#consulDown) this.#options.logger.warn(`Consul: ${error.message}; following Docker and retrying`);
    this.#consulDown = true;
  }
}

function describeDesired(service: DesiredService): string {
  const { registration: r, container } = service;
  return `${r.Name} ${r.Address}:${r.Port} (container ${shortId(container.id)}, ${container.name})`;
}

function describeOwned(service: OwnedService): string {
  return `${service.name} ${service.address}:${service.port} (service ${service.id})`;
}

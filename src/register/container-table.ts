// The containers that should be in Consul now, and the services they make. Fed by the engine
// (a whole listing, or one container after an event); read by the reconciler. Each warning about
// a container's settings is logged once for as long as that container keeps them.
import type { Logger } from '../log/logger.ts';
import type { ContainerInspect } from './docker-types.ts';
import { describeContainer } from './container-ref.ts';
import { containerServices, type ContainerService, type MappingOptions } from './service-mapping.ts';
import type { DesiredService, EventTiming } from './plan.ts';

interface Entry {
  services: ContainerService[];
  draining: boolean;
  event?: EventTiming;
}

export class ContainerTable {
  readonly #mapping: MappingOptions;
  readonly #logger: Logger;
  readonly #entries = new Map<string, Entry>();
  readonly #warned = new Map<string, Set<string>>();
  readonly #onChange: () => void;
  /** Nothing is known before the first listing: an empty table then is not "nothing runs". */
  #listed = false;

  constructor(mapping: MappingOptions, logger: Logger, onChange: () => void) {
    this.#mapping = mapping;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** The running containers, all of them: anything else is forgotten. */
  replaceAll(containers: readonly ContainerInspect[]): void {
    const ids = new Set(containers.map((container) => container.Id));
    for (const id of [...this.#entries.keys()]) if (!ids.has(id)) this.#forget(id);
    for (const container of containers) this.#put(container, this.#entries.get(container.Id)?.event);
    this.#listed = true;
    this.#onChange();
  }

  /** A container as it is now, after `event`. */
  set(container: ContainerInspect, event?: EventTiming): void {
    this.#put(container, event);
    this.#onChange();
  }

  remove(id: string): void {
    if (!this.#entries.has(id)) return;
    this.#forget(id);
    this.#onChange();
  }

  /** Sent a stop signal: its services stay, marked down, until the container is gone. */
  drain(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.draining) return;
    entry.draining = true;
    this.#onChange();
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * By service ID; when two containers claim one ID, the first keeps it (and a warning says so).
   * Undefined until the engine has been listed once.
   */
  desired(): Map<string, DesiredService> | undefined {
    if (!this.#listed) return undefined;
    const services = new Map<string, DesiredService>();
    for (const [id, entry] of this.#entries) {
      for (const service of entry.services) {
        const taken = services.get(service.registration.ID);
        if (taken !== undefined) {
          this.#warnOnce(id, `${describeContainer(service.container)}: service ID ${service.registration.ID} is already taken by container ${taken.container.name}; this one is not registered`);
          continue;
        }
        services.set(service.registration.ID, { ...service, draining: entry.draining, event: entry.event });
      }
    }
    return services;
  }

  #put(container: ContainerInspect, event: EventTiming | undefined): void {
    const { services, warnings } = containerServices(container, this.#mapping);
    for (const warning of warnings) this.#warnOnce(container.Id, warning);
    const draining = this.#entries.get(container.Id)?.draining ?? false;
    this.#entries.set(container.Id, { services, draining, event });
  }

  #forget(id: string): void {
    this.#entries.delete(id);
    this.#warned.delete(id);
  }

  #warnOnce(id: string, warning: string): void {
    const seen = this.#warned.get(id) ?? new Set<string>();
    this.#warned.set(id, seen);
    if (seen.has(warning)) return;
    seen.add(warning);
    this.#logger.warn(warning);
  }
}

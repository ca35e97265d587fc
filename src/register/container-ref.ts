// How a container is named in log lines and warnings: its name and its short id.
import type { ContainerInspect } from './docker-types.ts';

export interface ContainerRef {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
}

export function containerRef(container: ContainerInspect): ContainerRef {
  return { id: container.Id, name: (container.Name ?? '').replace(/^\//, '') || shortId(container.Id) };
}

/** The 12 characters Docker shows. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

export function describeContainer(ref: ContainerRef): string {
  return `container ${ref.name} (${shortId(ref.id)})`;
}

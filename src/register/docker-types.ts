// The parts of the Docker Engine API's answers that `drcon register` reads (the same in Podman's
// Docker-compatible API). Everything is optional: an engine may leave out any of it.

/** GET /containers/{id}/json */
export interface ContainerInspect {
  Id: string;
  /** "/web-1": Docker's names start with a slash. */
  Name?: string;
  Config?: {
    Hostname?: string;
    Image?: string;
    /** "KEY=value" strings. */
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    /** "80/tcp" → {}. */
    ExposedPorts?: Record<string, unknown> | null;
    Healthcheck?: { Test?: string[] | null } | null;
  };
  State?: {
    Running?: boolean;
    Paused?: boolean;
    ExitCode?: number;
    Health?: { Status?: string } | null;
  };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: {
    IPAddress?: string;
    /** "80/tcp" → the host bindings, or null when exposed only. */
    Ports?: Record<string, PortBinding[] | null> | null;
    Networks?: Record<string, { IPAddress?: string }> | null;
  };
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

/** GET /containers/json: one row. */
export interface ContainerSummary {
  Id: string;
  State?: string;
}

/** One object of GET /events. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  /** Older engines (and Podman) also send the action here. */
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

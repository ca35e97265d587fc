// A container as Consul services, as Registrator forms them: one service per published port
// (exposed port with -internal), named from SERVICE_NAME or the image, with a "-<port>" suffix
// when the container has several ports, ID "host:container:port", address and port as the
// engine publishes them. Pure: the caller resolves the host's address and logs the warnings.
import { isIP } from 'node:net';
import type { ContainerInspect, PortBinding } from './docker-types.ts';
import type { ServiceCheck, ServiceRegistration } from './consul-registration.ts';
import { containerRef, describeContainer, type ContainerRef } from './container-ref.ts';
import { impossiblePortKeys, portMetadata, type PortMetadata } from './service-metadata.ts';
import { serviceChecks } from './service-checks.ts';
import { ownerKey, reservedMetaPrefix } from './owner-meta.ts';

export interface MappingOptions {
  /** First part of every service ID: the host's name (Registrator's convention). */
  hostname: string;
  /** -ip: the address of every service, whatever the engine says. */
  hostIp?: string;
  /** What a binding to all interfaces (0.0.0.0) stands for: the host's own address. */
  defaultHostIp?: string;
  /** -internal: the container's own address and exposed ports instead of the published ones. */
  internal: boolean;
  /** -explicit: only containers with a SERVICE_NAME. */
  explicit: boolean;
  /** -useIpFromLabel: the address from this label, when a container has it. */
  useIpFromLabel?: string;
  /** -tags: added to every service. */
  tags: readonly string[];
  /** The owner mark (see owner-meta.ts). */
  owner: string;
  /** -ttl: every service gets a TTL check this long, which the reconciler passes again (see -ttl-refresh). */
  ttlMs?: number;
}

export interface DockerHealth {
  checkId: string;
  status: 'passing' | 'critical';
  /** Docker's word for it: starting, healthy, unhealthy. */
  output: string;
}

export interface ContainerService {
  registration: ServiceRegistration;
  container: ContainerRef;
  /** Present when the image has a HEALTHCHECK: a TTL check that follows it. */
  health?: DockerHealth;
  /** With -ttl: the ID of its TTL check, which only a running register keeps passing. */
  ttlCheckId?: string;
}

export interface MappingResult {
  services: ContainerService[];
  /** One line each, naming the container and the key. */
  warnings: string[];
}

interface ServicePort {
  exposedPort: string;
  protocol: string;
  hostPort: string;
  hostIp: string;
  exposedIp: string;
}

const namePattern = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,254})$/;
const idPattern = /^[^\s/?#%\\]{1,255}$/;
const metaKeyPattern = /^[A-Za-z0-9_-]{1,128}$/;
const maxMetaValue = 512;
/** The settings that are not ServiceMeta. */
const serviceSettings = new Set(['name', 'id', 'tags', 'ignore']);
/**
 * A Docker health status only changes by an event, pushed as a check update: the TTL only has to
 * outlive the gaps between updates (the reconciler refreshes these checks well within it).
 */
export const dockerHealthTtl = '720h';

export function containerServices(container: ContainerInspect, options: MappingOptions): MappingResult {
  const ref = containerRef(container);
  const warnings: string[] = [];
  const warn = (line: string) => warnings.push(`${describeContainer(ref)}: ${line}`);
  for (const key of impossiblePortKeys(container)) warn(`${key}: the port is not between 1 and 65535; it is ignored`);

  const ports = servicePorts(container).filter((port) => options.internal || port.hostPort !== '');
  const several = ports.length > 1;
  const services: ContainerService[] = [];
  const usedIds = new Set<string>();
  for (const port of ports) {
    const metadata = portMetadata(container, port.exposedPort);
    const service = portService(container, ref, port, metadata, several, options, warn);
    if (service === undefined) continue;
    if (usedIds.has(service.registration.ID)) {
      warn(`${metadata.sources.get('id') ?? 'SERVICE_ID'}: ID "${service.registration.ID}" is already used by another of its ports; port ${port.exposedPort} is not registered`);
      continue;
    }
    usedIds.add(service.registration.ID);
    services.push(service);
  }
  return { services, warnings };
}

function portService(
  container: ContainerInspect,
  ref: ContainerRef,
  port: ServicePort,
  metadata: PortMetadata,
  several: boolean,
  options: MappingOptions,
  warn: (line: string) => void,
): ContainerService | undefined {
  const setting = (name: string) => metadata.values.get(name);
  const source = (name: string) => metadata.sources.get(name) ?? `SERVICE_${name.toUpperCase()}`;
  if (isIgnored(setting('ignore'))) return undefined;

  let name = setting('name');
  if (name === undefined || name === '') {
    if (options.explicit) return undefined;
    name = imageName(container.Config?.Image ?? '');
  }
  if (!namePattern.test(name)) {
    warn(`${metadata.values.has('name') ? source('name') : 'image name'}: ${JSON.stringify(name)} is not a service name (letters, digits, ".", "_", "-"); port ${port.exposedPort} is not registered`);
    return undefined;
  }
  if (several && !metadata.fromPort.has('name')) name += `-${port.exposedPort}`;

  let address = options.internal ? port.exposedIp : port.hostIp === '0.0.0.0' || port.hostIp === '::' ? (options.defaultHostIp ?? '') : port.hostIp;
  if (!options.internal && options.hostIp !== undefined) address = options.hostIp;
  if (options.useIpFromLabel !== undefined) {
    const labelled = container.Config?.Labels?.[options.useIpFromLabel];
    if (labelled !== undefined) {
      // Registrator takes "10.0.0.5/24" too: the address before the prefix length.
      const candidate = labelled.replace(/\/\d+$/, '');
      if (isIP(candidate)) address = candidate;
      else warn(`label ${options.useIpFromLabel}: ${JSON.stringify(labelled)} is not an IP address; the engine's address is used`);
    }
  }
  const portText = options.internal ? port.exposedPort : port.hostPort;
  const portNumber = Number(portText);
  if (!/^\d+$/.test(portText) || portNumber < 1 || portNumber > 65535) {
    warn(`port ${JSON.stringify(portText)} (of ${port.exposedPort}/${port.protocol}) is not a port number; it is not registered`);
    return undefined;
  }
  if (address === '') {
    warn(`port ${port.exposedPort}: no address for it (${options.internal ? 'the container has no IP address' : 'give -ip'}); it is not registered`);
    return undefined;
  }

  const udp = port.protocol === 'udp';
  let id = `${options.hostname}:${ref.name}:${port.exposedPort}${udp ? ':udp' : ''}`;
  const givenId = setting('id');
  if (givenId !== undefined && givenId !== '') {
    if (idPattern.test(givenId)) id = givenId;
    else warn(`${source('id')}: ${JSON.stringify(givenId)} is not a service ID (no spaces, "/", "?", "#", "%", "\\"); the default ID ${id} is used`);
  }

  const tags: string[] = [];
  for (const tag of [...splitList(setting('tags')), ...options.tags, ...(udp ? ['udp'] : [])]) {
    if (/[\x00-\x1f\x7f]/.test(tag)) warn(`${source('tags')}: tag ${JSON.stringify(tag)} has control characters; it is left out`);
    else if (!tags.includes(tag)) tags.push(tag);
  }

  const meta: Record<string, string> = {};
  for (const [key, value] of metadata.values) {
    if (serviceSettings.has(key) || key.startsWith('check_')) continue;
    if (!metaKeyPattern.test(key) || key.startsWith('consul-') || key.startsWith(reservedMetaPrefix)) {
      warn(`${source(key)}: "${key}" cannot be a ServiceMeta key (letters, digits, "_", "-", at most 128, not consul-* or ${reservedMetaPrefix}*); it is left out`);
    } else if (value.length > maxMetaValue) {
      warn(`${source(key)}: the value is longer than ${maxMetaValue} characters; it is left out`);
    } else meta[key] = value;
  }
  meta[ownerKey] = options.owner;

  const { checks, warnings } = serviceChecks(metadata, address, portNumber);
  for (const line of warnings) warn(line);
  const health = dockerHealth(container, id);
  const allChecks: ServiceCheck[] = [...checks];
  if (health !== undefined) {
    allChecks.push({ CheckID: health.checkId, Name: 'Docker HEALTHCHECK', TTL: dockerHealthTtl, Status: health.status });
  }
  // Passing from the start: the register that writes it is running.
  const ttlCheckId = options.ttlMs === undefined ? undefined : `service:${id}:drcon-register-ttl`;
  if (ttlCheckId !== undefined) allChecks.push({ CheckID: ttlCheckId, Name: 'drcon register running (-ttl)', TTL: `${options.ttlMs}ms`, Status: 'passing' });
  return {
    registration: { ID: id, Name: name, Tags: tags, Address: address, Port: portNumber, Meta: meta, Checks: allChecks },
    container: ref,
    health,
    ttlCheckId,
  };
}

/** Registrator's: the published bindings, and with host networking the exposed ports as they are. */
function servicePorts(container: ContainerInspect): ServicePort[] {
  const ports = new Map<string, PortBinding[] | null>();
  // With --net=host the engine lists no bindings: an exposed port is reached on the host as it is.
  for (const key of Object.keys(container.Config?.ExposedPorts ?? {})) ports.set(key, [{ HostIp: '0.0.0.0', HostPort: key.split('/')[0] }]);
  for (const [key, bindings] of Object.entries(container.NetworkSettings?.Ports ?? {})) ports.set(key, bindings);

  const settings = container.NetworkSettings;
  let exposedIp = settings?.IPAddress ?? '';
  if (exposedIp === '') for (const network of Object.values(settings?.Networks ?? {})) exposedIp = network.IPAddress || exposedIp;
  const mode = container.HostConfig?.NetworkMode ?? '';
  // On a network of its own (an overlay, a user network) the host binding is not how others
  // reach it: the container's address on that network is.
  const networkIp = ['', 'bridge', 'default', 'host'].includes(mode) ? undefined : settings?.Networks?.[mode]?.IPAddress;

  return [...ports].map(([key, bindings]) => {
    const [exposedPort = key, protocol = 'tcp'] = key.split('/');
    const binding = bindings?.[0];
    return {
      exposedPort,
      protocol,
      hostPort: binding?.HostPort ?? '',
      hostIp: networkIp || binding?.HostIp || '0.0.0.0',
      exposedIp,
    };
  }).sort((a, b) => Number(a.exposedPort) - Number(b.exposedPort) || a.protocol.localeCompare(b.protocol));
}

/** "registry:5000/team/web:1.2" → "web"; a digest goes too. */
export function imageName(image: string): string {
  const base = image.split('/').at(-1) ?? '';
  return base.split('@')[0]!.split(':')[0]!;
}

function isIgnored(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !/^(false|0|no)$/i.test(value);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((part) => part.trim()).filter(Boolean);
}

function dockerHealth(container: ContainerInspect, serviceId: string): DockerHealth | undefined {
  const test = container.Config?.Healthcheck?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  const output = container.State?.Health?.Status || 'starting';
  return { checkId: `service:${serviceId}:docker-health`, status: output === 'healthy' ? 'passing' : 'critical', output };
}

// The peer lists of `drcon lb -upstreams live`: what a render's `livePeers` calls recorded, made
// into the peers Nginx's balancer may connect to, and written as the document drcon_live.lua
// reads (nginx/drcon_live.lua describes it).
//
// The balancer connects to an address as given, without resolving it, so a peer is an IP
// address; host names, which a reload-mode upstream resolves when it loads, are left out here.
// Address and port otherwise follow the rendering rules (the dependency already dropped what
// they refuse); a port must also be one a connection can go to (not 0).
import { isIP } from 'node:net';
import { isPort } from '../dependency/catalog-address.ts';
import { quoteForLog } from '../dependency/catalog-text.ts';
import { toWellFormed } from '../dependency/well-formed.ts';
import type { LiveUpstream } from '../runner/runner.ts';

export interface Peer {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
}

export interface PeerList {
  /** The Nginx upstream, an identifier. */
  readonly upstream: string;
  /** The service, named by the 503 when the list is empty. */
  readonly service: string;
  readonly peers: readonly Peer[];
}

/** The largest weight drcon_live.lua takes. */
const maxWeight = 65_535;

/**
 * The lists of the upstreams a render declared. An instance that cannot be a peer is left out
 * and reported through `leftOut` (the same message for the same instance each time).
 */
export function peerLists(upstreams: readonly LiveUpstream[], leftOut: (message: string) => void): PeerList[] {
  return upstreams.map(({ upstream, service, instances }) => {
    const primaries: Peer[] = [];
    const backups: Peer[] = [];
    for (const instance of instances) {
      const peer = peerOf(instance);
      if (typeof peer === 'string') leftOut(`upstream ${upstream}: service ${quoteForLog(service)} instance ${quoteForLog(idOf(instance))}: ${peer}; left out`);
      else if (peer !== undefined) (hasTag(instance as object, 'backup') ? backups : primaries).push(peer);
    }
    // The shipped template's tag convention without a reload: the balancer sees a list of equals,
    // so backups stand in the list only while no other peer does (a reload-mode upstream also
    // turns to them when the others fail; here a failed peer is retried on the next one).
    return { upstream, service, peers: primaries.length > 0 ? primaries : backups };
  });
}

/** A peer, the reason the instance cannot be one, or undefined for no traffic (weight 0, tagged `down`). */
function peerOf(instance: unknown): Peer | string | undefined {
  if (typeof instance !== 'object' || instance === null) return 'not an instance (from service)';
  if (hasTag(instance, 'down')) return undefined;
  const { Address: address, Port: port, Status: status, Weights: weights } = instance as Record<string, unknown>;
  if (typeof address !== 'string' || isIP(address) === 0) return `address ${quoteForLog(String(address))} is not an IP address (live upstreams do not resolve host names)`;
  // drcon_live.lua refuses a whole document with a zone in it: one such instance would stop every update.
  if (address.includes('%')) return `address ${quoteForLog(address)} has an IPv6 zone, which Nginx cannot connect to`;
  if (!isPort(port) || port === 0) return `port ${JSON.stringify(port) ?? 'undefined'} is not a port to connect to (1-65535)`;
  const weight = weightOf(weights, status);
  if (weight === 0) return undefined;
  if (weight > maxWeight) return `weight ${weight} is above ${maxWeight}`;
  return { address, port, weight };
}

function hasTag(instance: object, tag: string): boolean {
  const tags = (instance as { Tags?: unknown }).Tags;
  return Array.isArray(tags) && tags.includes(tag);
}

/** Consul's weight for the instance's state: Warning while warning, Passing otherwise; 1 unset. */
function weightOf(weights: unknown, status: unknown): number {
  const chosen = (weights as Record<string, unknown> | undefined)?.[status === 'warning' ? 'Warning' : 'Passing'];
  return typeof chosen === 'number' && Number.isInteger(chosen) && chosen >= 0 ? chosen : 1;
}

function idOf(instance: unknown): string {
  const id = (instance as { ID?: unknown } | null)?.ID;
  return typeof id === 'string' ? id : '?';
}

/** The document drcon_live.lua takes: a generation line, then each upstream and its peers. */
export function peerDocument(generation: number, lists: readonly PeerList[]): string {
  const lines = [`generation ${generation}`];
  for (const list of lists) {
    lines.push(`upstream ${list.upstream} ${encodeURIComponent(toWellFormed(list.service))}`);
    for (const peer of list.peers) lines.push(`peer ${peer.address} ${peer.port} ${peer.weight}`);
  }
  return lines.join('\n') + '\n';
}

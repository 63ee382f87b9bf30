import { BlockList, isIPv6 } from 'node:net';
import type { TConfig } from '../config.js';

/** Loopback, link-local and private ranges: where a proxy in front of Sounding connects from (this machine or its private network). */
const PRIVATE_NETWORKS = new BlockList();
for (const [network, prefix, type] of [
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
] as const) {
  PRIVATE_NETWORKS.addSubnet(network, prefix, type);
}

/**
 * TRUST_PROXY as Fastify's trustProxy takes it. Fastify 5 no longer accepts a bare hop count
 * (it trusts nothing for one), because counting hops cannot tell a proxy from a client that
 * reaches the server directly and sends its own X-Forwarded-For. A count here therefore trusts
 * at most that many hops, each only from a loopback or private address: a client on the
 * internet connecting straight to Sounding is never taken for a proxy.
 */
export function trustProxyOption(trust: TConfig['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (address, hop) => hop < trust && PRIVATE_NETWORKS.check(address, isIPv6(address) ? 'ipv6' : 'ipv4');
}

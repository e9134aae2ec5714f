import type protobuf from 'protobufjs';
import type { TransportMessage } from '@stallscope/transport';
import { itemRules, traceIdHex, type OtlpItem } from './item-rules.js';
import type { SignalShape } from './signals.js';

export interface MessagePlanOptions {
  maxMessageBytes: number;
  partitionTracesById: boolean;
}

/** What one export request becomes: the transport messages, and the partial_success figures. */
export interface MessagePlan {
  messages: TransportMessage[];
  acceptedItems: number;
  rejectedItems: number;
  /** The first rejected item's reason, with how many were rejected; empty when none was. */
  rejectMessage: string;
}

/** An accepted item with the resource and scope entries it came from. */
interface Leaf {
  resource: OtlpItem;
  scope: OtlpItem;
  item: OtlpItem;
}

function leavesOf(shape: SignalShape, request: OtlpItem): { leaves: Leaf[]; rejectedItems: number; firstReason: string } {
  const rules = itemRules[shape.name];
  const leaves: Leaf[] = [];
  let rejectedItems = 0;
  let firstReason = '';
  for (const resource of (request[shape.resourceField] ?? []) as OtlpItem[]) {
    for (const scope of (resource[shape.scopeField] ?? []) as OtlpItem[]) {
      for (const item of (scope[shape.itemField] ?? []) as OtlpItem[]) {
        const reason = rules.invalidReason(item);
        if (reason === undefined) {
          leaves.push({ resource, scope, item });
          continue;
        }
        rejectedItems += rules.count(item);
        firstReason ||= reason;
      }
    }
  }
  return { leaves, rejectedItems, firstReason };
}

/** A request holding these items, one resource/scope entry per run of items that shared one. */
function requestOf(shape: SignalShape, leaves: readonly Leaf[]): OtlpItem {
  const resources: OtlpItem[] = [];
  let lastResource: OtlpItem | undefined;
  let lastScope: OtlpItem | undefined;
  let scopes: OtlpItem[] = [];
  let items: OtlpItem[] = [];
  for (const { resource, scope, item } of leaves) {
    if (resource !== lastResource) {
      scopes = [];
      resources.push({ ...resource, [shape.scopeField]: scopes });
      lastResource = resource;
      lastScope = undefined;
    }
    if (scope !== lastScope) {
      items = [];
      scopes.push({ ...scope, [shape.itemField]: items });
      lastScope = scope;
    }
    items.push(item);
  }
  return { [shape.resourceField]: resources };
}

/** Encodes leaves as requests under the bound, halving a run whose request came out too large. */
function encodeUnder(
  shape: SignalShape,
  type: protobuf.Type,
  leaves: readonly Leaf[],
  maxMessageBytes: number,
  out: Buffer[],
): void {
  const encoded = Buffer.from(type.encode(type.fromObject(requestOf(shape, leaves))).finish());
  if (encoded.length <= maxMessageBytes || leaves.length === 1) {
    // One item larger than the bound goes alone; the transport decides (Kafka refuses it, retryable for nobody).
    out.push(encoded);
    return;
  }
  const half = Math.ceil(leaves.length / 2);
  encodeUnder(shape, type, leaves.slice(0, half), maxMessageBytes, out);
  encodeUnder(shape, type, leaves.slice(half), maxMessageBytes, out);
}

/** Items grouped by message key: by trace id for traces when partitioning, else one unkeyed group. */
function keyedGroups(shape: SignalShape, leaves: Leaf[], partitionTracesById: boolean): Map<string | undefined, Leaf[]> {
  if (shape.name !== 'traces' || !partitionTracesById) return new Map([[undefined, leaves]]);
  const groups = new Map<string | undefined, Leaf[]>();
  for (const leaf of leaves) {
    const key = traceIdHex(leaf.item);
    const group = groups.get(key);
    if (group) group.push(leaf);
    else groups.set(key, [leaf]);
  }
  return groups;
}

/**
 * The transport messages of one decoded export request (otlp_proto payloads):
 * items the store could not take are left out and counted; traces are split
 * one trace per message keyed by its hex trace id when partitioning; every
 * message stays under maxMessageBytes. A protobuf request that needs none of
 * that is forwarded as received, its bytes untouched (fields this subset of
 * the protos does not know included).
 */
export function planMessages(
  shape: SignalShape,
  type: protobuf.Type,
  request: OtlpItem,
  received: Buffer | undefined,
  options: MessagePlanOptions,
): MessagePlan {
  const rules = itemRules[shape.name];
  const { leaves, rejectedItems, firstReason } = leavesOf(shape, request);
  const acceptedItems = leaves.reduce((sum, { item }) => sum + rules.count(item), 0);
  const rejectMessage = rejectedItems > 0 ? `${rejectedItems} rejected; first: ${firstReason}` : '';
  if (leaves.length === 0) return { messages: [], acceptedItems, rejectedItems, rejectMessage };

  const groups = keyedGroups(shape, leaves, options.partitionTracesById);
  const [onlyKey] = groups.keys();
  if (received && rejectedItems === 0 && groups.size === 1 && received.length <= options.maxMessageBytes) {
    return { messages: [{ key: keyBytes(onlyKey), value: received }], acceptedItems, rejectedItems, rejectMessage };
  }
  const messages: TransportMessage[] = [];
  for (const [key, group] of groups) {
    const values: Buffer[] = [];
    encodeUnder(shape, type, group, options.maxMessageBytes, values);
    for (const value of values) messages.push({ key: keyBytes(key), value });
  }
  return { messages, acceptedItems, rejectedItems, rejectMessage };
}

function keyBytes(key: string | undefined): Buffer | undefined {
  return key === undefined ? undefined : Buffer.from(key);
}

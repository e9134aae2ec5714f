import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { TransportMessage } from './transport.js';

/** The messages of one send, grouped by the partition each goes to. */
export type MessagesByPartition = Map<number, TransportMessage[]>;

/**
 * Chooses every message's partition before kafkajs sees it, the way Kafka's
 * own producer does: a keyed message by the murmur2 hash of its key (the Java
 * client's, as kafkajs's default partitioner computes it), so a key keeps its
 * partition; the unkeyed messages of one send all to one partition, the next
 * send's to the next (round robin from a random start per topic).
 */
export function createPartitionChooser(): (topic: string, partitions: number, messages: readonly TransportMessage[]) => MessagesByPartition {
  const byKey = Partitioners.DefaultPartitioner();
  const nextUnkeyed = new Map<string, number>();
  // kafkajs's partitioner reads only the count of partitions from this list: one list per count serves every send.
  const metadataByCount = new Map<number, PartitionMetadata[]>();
  const metadataFor = (partitions: number): PartitionMetadata[] => {
    let metadata = metadataByCount.get(partitions);
    if (!metadata) {
      metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
      metadataByCount.set(partitions, metadata);
    }
    return metadata;
  };
  return (topic, partitions, messages) => {
    let unkeyed: number | undefined;
    const groups: MessagesByPartition = new Map();
    for (const message of messages) {
      let partition: number;
      if (message.key === undefined) {
        if (unkeyed === undefined) {
          unkeyed = nextUnkeyed.get(topic) ?? Math.floor(Math.random() * partitions);
          nextUnkeyed.set(topic, (unkeyed + 1) % partitions);
        }
        partition = unkeyed % partitions;
      } else {
        partition = byKey({ topic, partitionMetadata: metadataFor(partitions), message: { key: message.key, value: message.value } });
      }
      const group = groups.get(partition);
      if (group) group.push(message);
      else groups.set(partition, [message]);
    }
    return groups;
  };
}

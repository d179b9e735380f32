/**
 * Worker thread of the ingest's decoder (see decoder.ts): turns packed bus records back into
 * records, decodes them with the same `decodeBatch` as the inline path and posts the result.
 */
import { parentPort } from 'node:worker_threads';
import type { BusRecord } from '../bus/types.ts';
import { decodeBatch, type DecodeReply, type DecodeRequest } from './decoder.ts';
import { unpackValues } from './packed-values.ts';

const NO_HEADERS: Record<string, string> = Object.freeze({});

function unpack(request: DecodeRequest): BusRecord[] {
  const { topics, partitions, offsets, keys, values } = request;
  const records: BusRecord[] = new Array(partitions.length);
  const unpacked = values.kind === 'bytes' ? unpackValues(values) : values.strings;
  for (let i = 0; i < partitions.length; i++) {
    records[i] = {
      topic: topics[i]!,
      partition: partitions[i]!,
      offset: offsets[i]!,
      key: keys[i] ?? null,
      value: unpacked[i] ?? null,
      headers: NO_HEADERS,
      timestamp: 0,
    };
  }
  for (const [i, headers] of request.rejectedAtSource) records[i]!.headers = headers;
  return records;
}

const port = parentPort!;
port.on('message', (request: DecodeRequest) => {
  const acceptedFrom: number[] = [];
  const rejectedFrom: number[] = [];
  const { accepted, rejected } = decodeBatch(
    unpack(request),
    acceptedFrom,
    rejectedFrom,
    request.maxEventBytes,
  );
  // The sender still holds the topics and the payloads (most of an event's bytes): it puts
  // them back from `acceptedFrom` instead of receiving copies.
  const reply: DecodeReply = {
    id: request.id,
    accepted: { ...accepted, topic: [], payload: [] },
    acceptedFrom: Int32Array.from(acceptedFrom),
    // Not the values: posting a view into the request's buffer would copy all of it.
    rejected: rejected.map(({ received: _, ...deadLetter }) => deadLetter),
    rejectedFrom: Int32Array.from(rejectedFrom),
  };
  const a = reply.accepted;
  const columns = [a.partition, a.offset, a.createdAt, a.quantity, a.unitPriceCents, a.soldAt];
  port.postMessage(
    reply,
    [reply.acceptedFrom, reply.rejectedFrom, ...columns].map((c) => c.buffer as ArrayBuffer),
  );
});

import { StateByteSource, streamWriteState, type StreamWriteOptions, type StreamWriteResult } from '../../src/protocol/statefile/stream-write';

/** A state held in memory, handed out in chunks of `chunk` bytes (small sizes split every token somewhere). */
export function bufferSource(bytes: Buffer, chunk = 7): StateByteSource {
  return {
    size: bytes.length,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    },
    read: async (start, end) => Buffer.from(bytes.subarray(start, end)),
  };
}

/** The streamed rewrite's bytes for `bytes`. */
export async function streamed(bytes: Buffer, options: StreamWriteOptions = {}, chunk = 7): Promise<{ out: Buffer; result: StreamWriteResult }> {
  const parts: Buffer[] = [];
  const result = await streamWriteState(bufferSource(bytes, chunk), (b) => { parts.push(Buffer.from(b)); }, options);
  return { out: Buffer.concat(parts), result };
}

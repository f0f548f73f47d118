// Reads a text file as batches of lines, with their 1-based line numbers and the bytes read so far.
import { createReadStream } from 'node:fs';

export interface LineBatch {
  readonly lines: string[];
  /** Line number (1-based) of lines[0]. */
  readonly firstLine: number;
  /** Bytes of the file consumed so far, for progress. */
  readonly bytesRead: number;
}

/**
 * Splits on '\n' by hand: about twice as fast as node:readline on large JSONL files (import hot path).
 * A trailing '\r' is kept: JSON.parse ignores it, and CSV parsing handles it.
 */
export async function* readLineBatches(file: string, batchSize = 1000): AsyncGenerator<LineBatch> {
  let carry = '';
  let lines: string[] = [];
  let firstLine = 1;
  let bytesRead = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as string);
    bytesRead += Buffer.byteLength(chunk as string);
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl !== -1) {
      lines.push(text.slice(start, nl));
      start = nl + 1;
      if (lines.length >= batchSize) {
        yield { lines, firstLine, bytesRead };
        firstLine += lines.length;
        lines = [];
      }
      nl = text.indexOf('\n', start);
    }
    carry = text.slice(start);
  }
  if (carry.length > 0) lines.push(carry);
  if (lines.length > 0) yield { lines, firstLine, bytesRead };
}

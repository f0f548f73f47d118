// Buffered, synchronous line output to a file or stdout: the simulator emits lines faster than streams drain.
import { closeSync, openSync, writeSync } from 'node:fs';

export class LineWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;
  lines = 0;

  /** `file` undefined writes to stdout. */
  constructor(private readonly file: string | undefined) {
    this.fd = file === undefined ? 1 : openSync(file, 'w');
  }

  write(line: string): void {
    this.buffer.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size >= 1 << 20) this.flush();
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.size = 0;
    let written = 0;
    const bytes = Buffer.from(text);
    while (written < bytes.length) {
      try {
        written += writeSync(this.fd, bytes, written);
      } catch (error) {
        // stdout piped into a slow reader: wait for it rather than lose lines.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
  }

  close(): void {
    this.flush();
    if (this.file !== undefined) closeSync(this.fd);
  }
}

// Container output in the CRI log format the kubelet reads back for `kubectl logs`:
// "<RFC 3339 timestamp> <stream> <F|P> <text>", one line per output line; a line longer
// than the runtime's buffer is cut into partial (P) records ending with a full (F) one.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** containerd's limit for one log record. */
const MAX_RECORD = 16 * 1024;

export type OutputStream = 'stdout' | 'stderr';

function criLogRecord(stream: OutputStream, tag: 'F' | 'P', text: string, at = new Date()): string {
  return `${at.toISOString()} ${stream} ${tag} ${text}\n`;
}

/** Splits a stream's text into CRI records. */
export class CriLineSplitter {
  private pending = '';

  constructor(private readonly stream: OutputStream) {}

  push(text: string): string[] {
    this.pending += text;
    const records: string[] = [];
    for (let newline = this.pending.indexOf('\n'); newline !== -1 || this.pending.length >= MAX_RECORD; newline = this.pending.indexOf('\n')) {
      if (newline !== -1 && newline < MAX_RECORD) {
        records.push(criLogRecord(this.stream, 'F', this.pending.slice(0, newline)));
        this.pending = this.pending.slice(newline + 1);
      } else {
        records.push(criLogRecord(this.stream, 'P', this.pending.slice(0, MAX_RECORD)));
        this.pending = this.pending.slice(MAX_RECORD);
      }
    }
    return records;
  }

  /** The last line, when the stream ended without a newline. */
  end(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [criLogRecord(this.stream, 'F', rest)];
  }
}

/**
 * Appends a container's stdout and stderr to its log file; `closed` resolves when both ended and
 * all is written. A slow disk holds the container's output back (as a full pipe does) instead of
 * filling our memory; a log that fails to write is given up, and the output then drained.
 */
export class CriLogWriter {
  readonly closed: Promise<void>;
  private readonly file: WriteStream;
  private failed = false;

  constructor(path: string, outputs: Record<OutputStream, Readable>) {
    // Opened here, so that a log path that cannot be written fails the start, not the stream later.
    this.file = createWriteStream('', { fd: openSync(path, 'a') });
    const fileDone = new Promise<void>((resolve) => {
      this.file.once('close', resolve);
      this.file.once('error', () => {
        this.failed = true;
        Object.values(outputs).forEach((output) => output.resume());
        resolve();
      });
    });
    const ended = (['stdout', 'stderr'] as const).map((name) => this.follow(name, outputs[name]));
    this.closed = Promise.all(ended).then(() => {
      this.file.end();
      return fileDone;
    });
  }

  private follow(name: OutputStream, output: Readable): Promise<void> {
    const decoder = new StringDecoder('utf8');
    const splitter = new CriLineSplitter(name);
    const write = (records: string[]) => {
      if (this.failed) return;
      const more = records.reduce((ok, record) => this.file.write(record) && ok, true);
      if (!more) {
        output.pause();
        this.file.once('drain', () => output.resume());
      }
    };
    output.on('data', (chunk: Buffer) => write(splitter.push(decoder.write(chunk))));
    return new Promise((resolve) => {
      output.once('close', () => {
        write([...splitter.push(decoder.end()), ...splitter.end()]);
        resolve();
      });
    });
  }
}

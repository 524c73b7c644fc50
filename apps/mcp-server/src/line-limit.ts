import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;
/**
 * What ends a line the limiter cut (before its newline): a NUL, which JSON text never holds unescaped, so
 * the transport can tell the cut line (already answered through `onOversize`) from a malformed message.
 */
export const CUT_LINE_MARK = '\u0000';
/** How much of an oversized line is kept to find its JSON-RPC id. */
const HEAD_BYTES = 256;

/**
 * Caps the length of newline-delimited messages on their way to the stdio transport, which then never
 * buffers more than one message. A line longer than `maxLineBytes` is cut: what was already passed on is
 * terminated with {@link CUT_LINE_MARK} and a newline (the transport skips such a line), the rest is dropped
 * up to the next newline, and `onOversize` receives the JSON-RPC id found
 * at the start of the line (or null) so the caller can answer the request with an error.
 */
export class LineLimiter extends Transform {
  private lineBytes = 0;
  private discarding = false;
  private head: Buffer[] = [];
  private headBytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onOversize: (id: string | number | null) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      const segment = chunk.subarray(start, end);
      if (this.discarding) {
        if (newline !== -1) this.endLine();
      } else if (this.lineBytes + segment.length - (newline === -1 ? 0 : 1) > this.maxLineBytes) {
        this.keepHead(segment);
        this.discarding = true;
        this.push(Buffer.from(`${CUT_LINE_MARK}\n`));
        this.onOversize(this.findId());
        if (newline !== -1) this.endLine();
      } else {
        this.keepHead(segment);
        this.push(segment);
        this.lineBytes += segment.length;
        if (newline !== -1) this.endLine();
      }
      start = end;
    }
    callback();
  }

  private keepHead(segment: Buffer): void {
    if (this.headBytes >= HEAD_BYTES) return;
    const part = segment.subarray(0, HEAD_BYTES - this.headBytes);
    this.head.push(part);
    this.headBytes += part.length;
  }

  private endLine(): void {
    this.lineBytes = 0;
    this.discarding = false;
    this.head = [];
    this.headBytes = 0;
  }

  private findId(): string | number | null {
    const text = Buffer.concat(this.head).toString('utf8');
    const match = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,128}")/.exec(text);
    if (!match?.[1]) return null;
    const raw = match[1];
    if (raw.startsWith('"')) {
      try {
        const parsed: unknown = JSON.parse(raw);
        return typeof parsed === 'string' ? parsed : null;
      } catch {
        return null;
      }
    }
    return Number(raw);
  }
}

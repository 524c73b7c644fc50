import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { CUT_LINE_MARK } from './line-limit.js';

const NEWLINE = 0x0a;

/** JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object). */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

/**
 * The MCP stdio transport: newline-delimited JSON-RPC on `input` / `output`, like the SDK's
 * `StdioServerTransport`, except that a line it cannot use is answered instead of dropped, as JSON-RPC 2.0
 * requires: text that is not JSON gets `-32700` (parse error), JSON that is not a JSON-RPC message (no
 * `jsonrpc: "2.0"`, no method, a batch array...) gets `-32600` (invalid request), both with `id: null`
 * (the spec's rule when the request's id cannot be determined). Blank lines are skipped. A line the
 * {@link LineLimiter} cut (it ends with {@link CUT_LINE_MARK}) was answered there and is skipped here.
 */
export class JsonRpcStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private pending: Buffer[] = [];
  private started = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('JsonRpcStdioTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.pending = [];
    this.onclose?.();
  }

  private readonly onInputError = (error: Error): void => {
    this.onerror?.(error);
  };

  private readonly onData = (chunk: Buffer): void => {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      const tail = chunk.subarray(start, newline);
      const line = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
      this.pending = [];
      this.handleLine(line.toString('utf8'));
      start = newline + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  };

  private handleLine(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.endsWith(CUT_LINE_MARK) || line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (thrown) {
      const reason = thrown instanceof Error ? thrown.message : String(thrown);
      this.reject(PARSE_ERROR, `Parse error: the message is not JSON (${reason})`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.reject(
        INVALID_REQUEST,
        'Invalid Request: not a JSON-RPC 2.0 request, notification or response (batches are not supported)',
      );
      return;
    }
    try {
      this.onmessage?.(parsed.data);
    } catch (thrown) {
      this.onerror?.(thrown instanceof Error ? thrown : new Error(String(thrown)));
    }
  }

  /** Written as is: the SDK's message type has no `id: null`, which the spec asks for here. */
  private reject(code: number, message: string): void {
    this.output.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } })}\n`);
    this.onerror?.(new Error(message));
  }
}

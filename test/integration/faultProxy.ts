/**
 * An HTTP proxy on 127.0.0.1 in front of moto that can answer chosen requests with an error,
 * the way AWS does under load (S3 503 SlowDown, Glue ThrottlingException, 500s). The SDK runs
 * unmodified against it, so what is tested is its real retry behaviour over real HTTP; the
 * proxy also records requests, which lets tests count pages, parts and batches.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  /** X-Amz-Target of JSON-protocol services (Glue, Athena), e.g. `AWSGlue.BatchGetPartition`. */
  readonly target: string | undefined;
  readonly bodySize: number;
  /** The request body as text when small (JSON-protocol requests), for matching on parameters. */
  readonly bodyText: string;
  /** The `If-None-Match` header, e.g. `*` on S3's conditional writes. */
  readonly ifNoneMatch: string | undefined;
  /** Whether the proxy answered with an injected fault instead of forwarding. */
  readonly faulted: boolean;
}

export interface InjectedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface FaultRule {
  readonly matches: (request: RecordedRequest) => boolean;
  readonly response: InjectedResponse;
  /** How many matching requests fail; afterwards they pass through. */
  remaining: number;
}

/** Changes moto's answer to matching requests before the SDK sees it (for states moto never reaches). */
export interface RewriteRule {
  readonly matches: (request: RecordedRequest) => boolean;
  readonly rewrite: (body: string) => string;
}

export const s3SlowDown: InjectedResponse = {
  status: 503,
  headers: { 'content-type': 'application/xml' },
  body:
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>' +
    '<Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId><HostId>proxy</HostId></Error>',
};

export const s3InternalError: InjectedResponse = {
  status: 500,
  headers: { 'content-type': 'application/xml' },
  body:
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>' +
    '<Message>We encountered an internal error. Please try again.</Message><RequestId>FAULT</RequestId></Error>',
};

/** S3 refusing a request for good (no retry helps): what a missing permission looks like. */
export const s3AccessDenied: InjectedResponse = {
  status: 403,
  headers: { 'content-type': 'application/xml' },
  body:
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>' +
    '<Message>Access Denied</Message><RequestId>FAULT</RequestId></Error>',
};

/** An error of a JSON-protocol service (Glue, Athena, ...). */
export function jsonServiceError(status: number, code: string, message: string): InjectedResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code },
    body: JSON.stringify({ __type: code, message }),
  };
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class FaultProxy {
  readonly requests: RecordedRequest[] = [];
  private readonly rules: FaultRule[] = [];
  private readonly rewrites: RewriteRule[] = [];
  private serialized: ((request: RecordedRequest) => boolean) | undefined;
  /** Settles when the serialized request before the next one has had its answer. */
  private turn: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const upstream = new URL(target);
    if (upstream.hostname !== '127.0.0.1')
      throw new Error(`FaultProxy only forwards to 127.0.0.1, not ${target}`);
    let proxy: FaultProxy | undefined;
    const server = createServer((request, response) => {
      void (async () => {
        const body = await bodyOf(request);
        const target = request.headers['x-amz-target'];
        const seen = {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          target: Array.isArray(target) ? target[0] : target,
          bodySize: body.length,
          bodyText: body.length <= 65_536 ? body.toString('utf8') : '',
          ifNoneMatch: request.headers['if-none-match'],
        };
        const rule = proxy?.rules.find((r) => r.remaining > 0 && r.matches({ ...seen, faulted: false }));
        proxy?.requests.push({ ...seen, faulted: rule !== undefined });
        if (rule) {
          rule.remaining--;
          response.writeHead(rule.response.status, rule.response.headers);
          response.end(rule.response.body);
          return;
        }
        if (proxy?.serialized?.({ ...seen, faulted: false })) {
          const release = await proxy.takeTurn();
          response.once('close', release);
        }
        // The body is already read in full: nothing to wait for a 100 Continue about.
        const headers = { ...request.headers };
        delete headers.expect;
        const forwarded = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: request.method,
            path: request.url,
            headers,
          },
          (upstreamResponse) => {
            const rewrite = proxy?.rewrites.find((r) => r.matches({ ...seen, faulted: false }));
            if (!rewrite) {
              response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
              upstreamResponse.pipe(response);
              return;
            }
            void bodyOf(upstreamResponse).then((original) => {
              const changed = Buffer.from(rewrite.rewrite(original.toString('utf8')));
              const headers: Record<string, string | string[] | undefined> = {
                ...upstreamResponse.headers,
                'content-length': String(changed.length),
              };
              // Checksums of the original body would no longer match.
              delete headers['x-amz-crc32'];
              response.writeHead(upstreamResponse.statusCode ?? 502, headers);
              response.end(changed);
            });
          },
        );
        forwarded.on('error', (error) => {
          response.writeHead(502);
          response.end(String(error));
        });
        forwarded.end(body);
      })().catch((error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    proxy = new FaultProxy(server, `http://127.0.0.1:${port}`);
    return proxy;
  }

  /** The next `times` requests that match answer `response` instead of reaching moto. */
  fail(
    times: number,
    response: InjectedResponse,
    matches: (request: RecordedRequest) => boolean = () => true,
  ): void {
    this.rules.push({ matches, response, remaining: times });
  }

  /** moto's answers to matching requests are passed through `rewrite` first. */
  rewriteResponses(matches: (request: RecordedRequest) => boolean, rewrite: (body: string) => string): void {
    this.rewrites.push({ matches, rewrite });
  }

  /**
   * Matching requests reach moto one at a time, each after the one before has its answer.
   * moto checks `If-None-Match: *` and then writes, in a thread per request, so two
   * conditional writes at once can both pass the check (measured with moto 5.2: two racing
   * multipart uploads both completed in 16 of 20 tries); S3 decides them atomically. Tests of
   * racing conditional writes serialize them, so that they see S3's semantics, not moto's gap.
   */
  serialize(matches: (request: RecordedRequest) => boolean): void {
    this.serialized = matches;
  }

  private async takeTurn(): Promise<() => void> {
    const previous = this.turn;
    let release: () => void = () => {};
    this.turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  }

  clear(): void {
    this.rules.length = 0;
    this.rewrites.length = 0;
    this.requests.length = 0;
    this.serialized = undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

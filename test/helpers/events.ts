// Helpers for the tests of following referrals without polling: a hub's express app on a
// real port, a server-sent-events client for GraphQL subscriptions (real `fetch`, as a partner's
// system would), and a local webhook receiver that records requests and answers as scripted.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { signDevToken } from '../../src/auth/dev-token.ts';
import type { Role } from '../../src/policy/vocabulary.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0. */
export async function listen(app: Express): Promise<Listening> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function tokenFor(as: { org: string; role: Role; subject?: string }, now: Date): string {
  return signDevToken({
    organisationId: as.org,
    role: as.role,
    issuedAt: Math.floor(now.getTime() / 1000),
    ...(as.subject ? { subject: as.subject } : {}),
  });
}

/** One GraphQL subscription over server-sent events. */
export interface EventStream {
  status: number;
  contentType: string | null;
  /** Every `next` payload so far (also those already taken by `next()`). */
  received: any[];
  /** The SSE `id:` of each payload in `received` (null where the frame had none). */
  ids: (string | null)[];
  /** Whether the server completed or closed the stream. */
  readonly ended: boolean;
  /** The next payload not yet taken; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<any>;
  /** Resolves when nothing more arrived within `ms` (returns what did arrive, untaken). */
  quietFor(ms: number): Promise<any[]>;
  /** Resolves once the server has ended the stream (or after timeoutMs). */
  untilEnded(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * POSTs a subscription with `accept: text/event-stream` and reads the stream in the background.
 * Resolves once the stream is open (the server's first bytes arrived) and a moment has passed for
 * the subscription to attach to the event bus.
 */
export async function subscribe(
  base: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) }),
    signal: controller.signal,
  });
  const received: any[] = [];
  const ids: (string | null)[] = [];
  let taken = 0;
  let ended = false;
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of [...wakers]) w();
  };
  const contentType = response.headers.get('content-type');
  let firstBytes!: () => void;
  const opened = new Promise<void>((resolve) => (firstBytes = resolve));
  if (!contentType?.includes('text/event-stream')) {
    // Refused before any stream (e.g. 401): the JSON body is the one result.
    received.push(await response.json().catch(() => null));
    ended = true;
    firstBytes();
  } else {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          firstBytes();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let id: string | null = null;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              if (line.startsWith('id:')) id = line.slice(3).trim();
              else if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (event === 'next' && data.length > 0) {
              received.push(JSON.parse(data.join('\n')));
              ids.push(id);
              wake();
            } else if (event === 'complete') {
              ended = true;
              wake();
            }
          }
        }
      } catch {
        // aborted by close()
      } finally {
        ended = true;
        firstBytes();
        wake();
      }
    })();
  }
  await opened;
  // The first bytes (a ping) leave as the stream starts pulling from the subscription.
  await sleep(50);

  const waitUntil = (condition: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (condition()) return resolve();
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what}: nothing within ${timeoutMs} ms (received so far: ${JSON.stringify(received)})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        wakers.delete(check);
      };
      wakers.add(check);
    });

  return {
    status: response.status,
    contentType,
    received,
    ids,
    get ended() {
      return ended;
    },
    async next(timeoutMs = 5000) {
      await waitUntil(() => received.length > taken || (ended && received.length <= taken), timeoutMs, 'next event');
      if (received.length <= taken) throw new Error(`the stream ended without another event (received: ${JSON.stringify(received)})`);
      return received[taken++];
    },
    async quietFor(ms: number) {
      await sleep(ms);
      return received.slice(taken);
    },
    async untilEnded(timeoutMs = 5000) {
      await waitUntil(() => ended, timeoutMs, 'end of stream');
    },
    async close() {
      controller.abort();
      await sleep(5);
    },
  };
}

// ---- A webhook receiver ------------------------------------------------------------------------

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver did: a status code (with headers), 'drop' (closed the connection) or 'hang' (never answered). */
  answer: Answer;
}

export type Answer = number | { status: number; headers: Record<string, string> } | 'drop' | 'hang';

export interface Receiver {
  url: string;
  requests: ReceivedWebhook[];
  /** Answers to use, in order; after them `fallback`. */
  script: Answer[];
  fallback: Answer;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Answers every hanging request with `status` (or drops them). */
  releaseHanging(status: number | 'drop'): void;
  close(): Promise<void>;
}

/** A local HTTP receiver on 127.0.0.1 that records each request and answers as scripted. */
export async function startReceiver(script: Answer[] = [], fallback: Answer = 200): Promise<Receiver> {
  const requests: ReceivedWebhook[] = [];
  const hanging: Array<{ res: ServerResponse; req: IncomingMessage }> = [];
  const wakers = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    requests,
    script: [...script],
    fallback,
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        if (requests.length >= count) return resolve();
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          wakers.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(new Error(`receiver: ${requests.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        wakers.add(check);
      });
    },
    releaseHanging(status) {
      for (const { req, res } of hanging.splice(0)) {
        if (status === 'drop') req.socket.destroy();
        else res.writeHead(status).end();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { req } of hanging.splice(0)) req.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = receiver.script.length > 0 ? receiver.script.shift()! : receiver.fallback;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answer });
      for (const w of [...wakers]) w();
      if (answer === 'hang') hanging.push({ req, res });
      else if (answer === 'drop') req.socket.destroy();
      else if (typeof answer === 'number') res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
      else res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

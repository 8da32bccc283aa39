// Server-sent events with ids, as the SSE standard and FHIR Subscriptions expect: every event of a
// subscription carries its hub event id as `id:` (and in `extensions.eventId`), a comment line keeps
// the connection alive every 15 seconds, and a client that reconnects with `Last-Event-ID` first gets
// what it missed (see stream() in resolvers.ts). yoga's own SSE transport writes no ids; this plugin
// takes over the text/event-stream answers of subscriptions and otherwise writes the same frames.
import { isAsyncIterable, type Plugin } from '@envelop/core';
import type { ExecutionResult } from 'graphql';
import type { RequestContext } from '../graphql/context.ts';

/** Every this many milliseconds a comment line (`:`) keeps proxies and the client from giving up. */
export const HEARTBEAT_MS = 15_000;

/** The hub event a subscription result came from, set by the stream as it yields the event. */
const eventIds = new WeakMap<object, string>();
export function markEvent(ctx: RequestContext, eventId: string): void {
  eventIds.set(ctx, eventId);
}

type Result = ExecutionResult & { extensions?: Record<string, unknown> };

function eventStream(result: AsyncIterable<Result>, fetchAPI: { ReadableStream: typeof ReadableStream; TextEncoder: typeof TextEncoder; Response: typeof Response }, heartbeatMs: number) {
  const encoder = new fetchAPI.TextEncoder();
  let iterator: AsyncIterator<Result>;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // A first comment at once: some clients wait for a byte before they treat the stream as open.
      controller.enqueue(encoder.encode(':\n\n'));
      heartbeat = setInterval(() => {
        if (controller.desiredSize === null) return clearInterval(heartbeat);
        if (controller.desiredSize > 0) controller.enqueue(encoder.encode(':\n\n'));
      }, heartbeatMs);
      iterator = result[Symbol.asyncIterator]();
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.value != null) {
          const id = next.value.extensions?.['eventId'];
          const { data, errors, extensions } = next.value;
          const frame = `${typeof id === 'string' ? `id: ${id}\n` : ''}event: next\ndata: ${JSON.stringify({ data, ...(errors ? { errors } : {}), ...(extensions ? { extensions } : {}) })}\n\n`;
          controller.enqueue(encoder.encode(frame));
        }
        if (next.done) {
          controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
          clearInterval(heartbeat);
          controller.close();
        }
      } catch (error) {
        clearInterval(heartbeat);
        controller.error(error);
      }
    },
    async cancel(reason) {
      clearInterval(heartbeat);
      await iterator?.return?.(reason);
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', 'Cache-Control': 'no-cache', 'Content-Encoding': 'none' },
  });
}

/** Subscriptions over SSE get `id:` lines and the hub's heartbeat. */
export function useEventStreamIds(options: { heartbeatMs?: number } = {}): Plugin<RequestContext> & Record<string, unknown> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  return {
    onSubscribe() {
      return {
        onSubscribeResult() {
          return {
            onNext({ args, result, setResult }) {
              const id = eventIds.get(args.contextValue as object);
              if (id) setResult({ ...result, extensions: { ...(result.extensions ?? {}), eventId: id } });
            },
          };
        },
      };
    },
    onResultProcess({ request, result, setResultProcessor }: { request: Request; result: unknown; setResultProcessor: (processor: unknown, mediaType: string) => void }) {
      if (!isAsyncIterable(result)) return;
      if (!(request.headers.get('accept') ?? '').includes('text/event-stream')) return;
      setResultProcessor((value: AsyncIterable<Result>, fetchAPI: never) => eventStream(value, fetchAPI, heartbeatMs), 'text/event-stream');
    },
  };
}

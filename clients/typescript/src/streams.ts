import type { DescService } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Transport } from "@connectrpc/connect";

/**
 * A client of service over transport, as `createClient` makes it, whose
 * server streams end their call when the loop over them is left (see
 * below). {@link connect} makes its clients so; use this for a client of
 * your own over `client.transport`.
 */
export function createLoancoreClient<S extends DescService>(service: S, transport: Transport): Client<S> {
  return cancellableStreams(service, createClient(service, transport));
}

/**
 * cancellableStreams makes leaving a server stream's loop end the call.
 *
 * The iterable that @connectrpc/connect returns for a server-streaming
 * call has no return(): a `break` out of `for await` leaves the HTTP/2
 * stream open, the server sending, and Node's process waiting for it.
 * For a stream that never ends by itself (SubscribeEvents) that is a
 * leak. Here each such call gets an AbortController of its own, linked to
 * the caller's signal, and the iterator's return() aborts it.
 */
export function cancellableStreams<S extends DescService>(service: S, client: Client<S>): Client<S> {
  const calls = client as unknown as Record<string, (req: unknown, opts?: CallOptions) => unknown>;
  const out: Record<string, unknown> = { ...calls };
  for (const method of service.methods) {
    if (method.methodKind !== "server_streaming") {
      continue;
    }
    const call = calls[method.localName]!;
    out[method.localName] = (req: unknown, opts?: CallOptions) => {
      const controller = new AbortController();
      const signal = opts?.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
      const stream = call(req, { ...opts, signal }) as AsyncIterable<unknown>;
      return abortOnReturn(stream, controller);
    };
  }
  return out as Client<S>;
}

/** abortOnReturn is stream, whose iterator's return() aborts controller. */
function abortOnReturn<T>(stream: AsyncIterable<T>, controller: AbortController): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = stream[Symbol.asyncIterator]();
      return {
        next: () => it.next(),
        return: (value?: unknown) => {
          controller.abort();
          return Promise.resolve({ done: true, value: value as T });
        },
      };
    },
  };
}

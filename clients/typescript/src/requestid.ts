import { randomUUID } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";

/**
 * A new request id: a random UUID (36 characters; loand takes up to 64
 * bytes). A request id makes a write safe to retry: loand answers the
 * same id and body with its first answer and records the write once, and
 * refuses the same id with another body (`ALREADY_EXISTS`). Ids belong
 * to the caller's identity: another caller's id is not yours.
 *
 * Make one per intended write, keep it with the write (in your outbox or
 * job record), and resend it on every retry of that write.
 */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * An interceptor that gives a unary request whose message has an empty
 * `request_id` a {@link newRequestId}, so that a write never goes out
 * without one (loand refuses it). {@link connect} installs it.
 *
 * The id is written into the request message the transport sends. When
 * you pass a message made with `create()`, that is your message: read its
 * `requestId` after the call, or resend the same message, to retry
 * safely. When you pass a plain object, a copy is sent: the id is then
 * only in a failed call's {@link LoancoreError.requestId}. Either way,
 * a write you may retry is best given its id by you, before the first
 * attempt.
 */
export const requestIdInterceptor: Interceptor = (next) => async (req) => {
  if (!req.stream && req.method.input.fields.some((f) => f.name === "request_id")) {
    const message = req.message as unknown as { requestId: string };
    if (message.requestId === "") {
      message.requestId = newRequestId();
    }
  }
  return next(req);
};

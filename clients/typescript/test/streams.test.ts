// Leaving the loop over a server stream ends the call. loand's only
// endless stream is SubscribeEvents, so this test serves EventFeedService
// itself, in memory (connect-es's router transport), to watch the call's
// signal on the server's side.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createRouterTransport } from "@connectrpc/connect";
import { EventFeedService, createLoancoreClient } from "@loancore/client";

test("break out of a server stream aborts the call", async () => {
  let aborted: () => void = () => {};
  const serverSawAbort = new Promise<void>((resolve) => (aborted = resolve));
  const transport = createRouterTransport((router) =>
    router.service(EventFeedService, {
      async *subscribeEvents(_req, ctx) {
        ctx.signal.addEventListener("abort", () => aborted());
        for (let position = 1n; !ctx.signal.aborted; position++) {
          yield { checkpointPosition: position };
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    }),
  );
  const events = createLoancoreClient(EventFeedService, transport);
  let seen = 0n;
  for await (const res of events.subscribeEvents({})) {
    seen = res.checkpointPosition;
    if (seen === 3n) break;
  }
  assert.equal(seen, 3n);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the server's call was not aborted within 2 s")), 2000).unref());
  await Promise.race([serverSawAbort, timeout]);
});

import { requireBroker } from "~/server/connections/registry";
import type { RawDlqMessage } from "./messages";
import { fromDeadLetter, NATS_SCAN_WINDOW, natsFailureGroups, natsMessage, natsPage, natsScan } from "./nats-dlq";
import type { DlqSource } from "./source";

/**
 * A NATS JetStream consumer's dead letters ("<stream>.<consumer>"): the max-delivery (and terminated) advisories in
 * the capture stream, each joined with its original read back from its stream by sequence. Reading changes nothing
 * on the server. Failure groups, searches and exports cover the first NATS_SCAN_WINDOW dead letters; without a
 * capture stream the read is refused with how to create one (a 412).
 */
export const natsDlqSource: DlqSource = {
  assertReadable: () => undefined,
  assertSearchable: () => undefined,
  async message(deps, at, id) {
    const dead = await natsMessage(requireBroker(deps.connections, "nats", at.connection), at.dlq, id);
    return dead ? fromDeadLetter(dead) : null;
  },
  missing: (at, id) => `No dead letter ${id} of ${at.dlq} (its advisory aged out of the capture stream?).`,
  groups: (deps, at, maxMessages) => natsFailureGroups(requireBroker(deps.connections, "nats", at.connection), at.dlq, maxMessages),
  async scan(deps, at, sink) {
    const adapter = requireBroker(deps.connections, "nats", at.connection);
    let from = 1;
    let scanned = 0;
    for (;;) {
      const page = await natsPage(adapter, at.dlq, from, Math.min(500, NATS_SCAN_WINDOW - scanned));
      for (const message of page.messages) {
        if (sink.stop()) return;
        sink.message(message);
      }
      scanned += page.messages.length;
      await sink.afterBatch();
      if (page.nextSeq === null || scanned >= NATS_SCAN_WINDOW) {
        sink.total(scanned);
        return;
      }
      from = page.nextSeq;
    }
  },
  async exportBatches(deps, at, ids) {
    // The dead letters up to NATS_SCAN_WINDOW; the selection is looked up in them.
    const adapter = requireBroker(deps.connections, "nats", at.connection);
    const wanted = ids ? new Set(ids) : null;
    const messages: RawDlqMessage[] = [];
    await natsScan(adapter, at.dlq, NATS_SCAN_WINDOW, (message) => {
      if (wanted === null || wanted.has(message.id)) messages.push(message);
    });
    const batches = (async function* () {
      yield messages;
    })();
    return { batches, snapshotId: null };
  },
};

import { requireBroker } from "~/server/connections/registry";
import { RABBIT_FIND_WINDOW, rabbitFailureGroups, rabbitMessage, rabbitPage } from "./rabbitmq-dlq";
import type { DlqSource } from "./source";

/**
 * A RabbitMQ DLQ: browsed live and without loss (a read takes messages and returns them all; a stream queue is read
 * from an offset). Searches and exports cover one browse window (what the page shows): a deeper read would hold
 * more messages back from the queue's consumers. A queue a read could lose messages from is refused (a 412).
 */
export const rabbitMqDlqSource: DlqSource = {
  assertReadable: () => undefined,
  assertSearchable: () => undefined,
  message: (deps, at, id) => rabbitMessage(requireBroker(deps.connections, "rabbitmq", at.connection), at.dlq, id),
  missing: (at, id) => `No message ${id} near the head of ${at.dlq} (replayed or removed since it was listed?).`,
  groups: (deps, at, maxMessages) => rabbitFailureGroups(requireBroker(deps.connections, "rabbitmq", at.connection), at.dlq, maxMessages),
  async scan(deps, at, sink) {
    const page = await rabbitPage(requireBroker(deps.connections, "rabbitmq", at.connection), at.dlq, RABBIT_FIND_WINDOW);
    sink.total(page.messages.length);
    for (const message of page.messages) sink.message(message);
  },
  async exportBatches(deps, at, ids) {
    // One browse window (as the page shows it); the selection is looked up in it.
    const page = await rabbitPage(requireBroker(deps.connections, "rabbitmq", at.connection), at.dlq, RABBIT_FIND_WINDOW);
    const wanted = ids ? new Set(ids) : null;
    const batches = (async function* () {
      yield page.messages.filter((message) => wanted === null || wanted.has(message.id));
    })();
    return { batches, snapshotId: null };
  },
};

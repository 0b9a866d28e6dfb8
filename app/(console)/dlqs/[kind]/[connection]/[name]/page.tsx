import { notFound } from "next/navigation";
import { DlqView } from "~/components/dlq/dlq-view";
import { isBrokerKind } from "~/server/brokers/registry";

/** App Router params arrive still percent-encoded; a malformed sequence is taken as typed. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export default async function DlqPage({ params }: { params: Promise<{ kind: string; connection: string; name: string }> }) {
  const { kind, connection, name } = await params;
  const decodedKind = decodeSegment(kind);
  if (!isBrokerKind(decodedKind)) notFound();
  const connectionName = decodeSegment(connection);
  const dlqName = decodeSegment(name);
  // Keyed so that moving between DLQs starts with fresh tabs, pages and searches.
  return <DlqView key={`${decodedKind}/${connectionName}/${dlqName}`} kind={decodedKind} connection={connectionName} name={dlqName} />;
}

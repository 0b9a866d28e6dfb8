import { StreamConsumerView } from "~/components/lag/stream-consumer-view";

/** App Router params arrive still percent-encoded; a malformed sequence is taken as typed. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export default async function StreamConsumerPage({ params }: { params: Promise<{ connection: string; consumer: string }> }) {
  const { connection, consumer } = await params;
  const connectionName = decodeSegment(connection);
  const name = decodeSegment(consumer);
  return <StreamConsumerView key={`${connectionName}/${name}`} connection={connectionName} consumer={name} />;
}

import { GroupView } from "~/components/lag/group-view";

/** App Router params arrive still percent-encoded; a malformed sequence is taken as typed. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export default async function GroupPage({ params }: { params: Promise<{ connection: string; group: string }> }) {
  const { connection, group } = await params;
  const connectionName = decodeSegment(connection);
  const groupId = decodeSegment(group);
  // Keyed so that moving between groups starts with fresh chart filters.
  return <GroupView key={`${connectionName}/${groupId}`} connection={connectionName} groupId={groupId} />;
}

import { notFound } from "next/navigation";
import { JobView } from "~/components/replay-jobs/job-view";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** App Router params arrive still percent-encoded; a malformed sequence is taken as typed. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export default async function ReplayJobPage({ params }: { params: Promise<{ jobId: string }> }) {
  const { jobId } = await params;
  const id = decodeSegment(jobId);
  if (!UUID.test(id)) notFound();
  return <JobView key={id} jobId={id} />;
}

import { ComingSection } from "~/components/ui";

export default function OutboxPage() {
  return (
    <ComingSection
      title="Outbox"
      holds={[
        "Unpublished rows and the age of the oldest, per application database",
        "Relay stall detection and failing rows",
        "Backlog history",
      ]}
    />
  );
}

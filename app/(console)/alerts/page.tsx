import { ComingSection } from "~/components/ui";

export default function AlertsPage() {
  return (
    <ComingSection
      title="Alerts"
      holds={["Alert rules on lag, lag status, DLQ depth and growth, stuck sagas and outbox age", "Firing history"]}
    />
  );
}

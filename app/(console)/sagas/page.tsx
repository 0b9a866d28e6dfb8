import { ComingSection } from "~/components/ui";

export default function SagasPage() {
  return (
    <ComingSection
      title="Sagas"
      holds={[
        "Saga instances of the observed application databases, with filters",
        "The stuck ones, grouped by diagnosis",
        "Retry, compensate and resolve, through the saga_commands contract",
      ]}
    />
  );
}

import { ComingSection } from "~/components/ui";

export default function DlqsPage() {
  return (
    <ComingSection
      title="Dead-letter queues"
      holds={[
        "Every Kafka DLQ topic and SQS dead-letter queue, with depth, growth and oldest message",
        "A side-effect-free message browser with decoded failure headers",
        "Failure groups and CEL search",
      ]}
    />
  );
}

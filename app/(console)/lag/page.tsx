import { ComingSection } from "~/components/ui";

export default function LagPage() {
  return (
    <ComingSection
      title="Consumer lag"
      holds={[
        "Every consumer group of every Kafka cluster: state, members, total and max lag, lag in seconds",
        "A health verdict per group and partition (OK, WARN, STALL, STOP, REWIND) kept across restarts",
        "History charts of lag and of produce vs consume rate",
      ]}
    />
  );
}

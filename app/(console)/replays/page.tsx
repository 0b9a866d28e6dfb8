import { ComingSection } from "~/components/ui";

export default function ReplaysPage() {
  return (
    <ComingSection
      title="Replays"
      holds={[
        "Every replay job: who, when, filter, target, counts and outcome",
        "Live progress with pause, resume and cancel",
        "Per-message results",
      ]}
    />
  );
}

import { DlqsView } from "~/components/depth/dlqs-view";

export default function DlqsPage() {
  return <DlqsView />;
}

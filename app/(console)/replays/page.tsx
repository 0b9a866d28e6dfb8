import { ReplaysView } from "~/components/replays-view";

export default function ReplaysPage() {
  return <ReplaysView />;
}

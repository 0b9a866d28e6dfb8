import { RuleEditor } from "~/components/alerts/rule-editor";

export default async function RulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RuleEditor id={id === "new" ? null : id} />;
}

import { SagasView } from "~/components/sagas/sagas-view";

export default async function SagasPage({ searchParams }: { searchParams: Promise<{ database?: string | string[]; tab?: string | string[] }> }) {
  const { database, tab } = await searchParams;
  return <SagasView initialDatabase={typeof database === "string" ? database : undefined} initialTab={tab === "all" ? "all" : tab === "stuck" ? "stuck" : undefined} />;
}

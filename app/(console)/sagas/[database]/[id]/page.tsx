import { SagaDetail } from "~/components/sagas/saga-detail";

export default async function SagaPage({ params }: { params: Promise<{ database: string; id: string }> }) {
  const { database, id } = await params;
  return <SagaDetail database={decodeURIComponent(database)} id={decodeURIComponent(id)} />;
}

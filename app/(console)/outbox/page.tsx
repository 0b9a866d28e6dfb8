import { OutboxView } from "~/components/outbox/outbox-view";

export default async function OutboxPage({ searchParams }: { searchParams: Promise<{ database?: string | string[] }> }) {
  const { database } = await searchParams;
  return <OutboxView initialDatabase={typeof database === "string" ? database : undefined} />;
}

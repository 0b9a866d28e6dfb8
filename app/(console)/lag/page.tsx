import { LagView } from "~/components/lag/lag-view";

export default async function LagPage({ searchParams }: { searchParams: Promise<{ connection?: string | string[] }> }) {
  const { connection } = await searchParams;
  return <LagView initialConnection={typeof connection === "string" ? connection : undefined} />;
}

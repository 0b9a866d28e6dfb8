import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

type RouterOutputs = inferRouterOutputs<AppRouter>;

export type Snapshot = RouterOutputs["lag"]["groups"]["snapshot"];
export type GroupRow = RouterOutputs["lag"]["groups"]["rows"][number];
export type GroupDetail = RouterOutputs["lag"]["group"];
export type GroupMember = GroupDetail["members"][number];
export type TopicRow = GroupDetail["topics"][number];
export type PartitionRow = GroupDetail["partitions"][number];
export type HistoryPoint = RouterOutputs["lag"]["history"]["points"][number];
export type Hotspots = RouterOutputs["overview"]["hotspots"];
export type DepthList = RouterOutputs["depth"]["list"];
export type DlqEntry = DepthList["dlqs"][number];
export type StreamConsumerList = RouterOutputs["lag"]["streamConsumers"];
export type StreamConsumerRow = StreamConsumerList["consumers"][number];
export type StreamRow = StreamConsumerList["streams"][number];

import { z } from "zod";
import { connectionName, replaySettings } from "../shared/config";

/** One entry of `rabbitmq:` in redrive.yaml: AMQP for messages, the management HTTP API for depths, topology and shovels. */
export const rabbitMqConnectionSchema = z
  .object({
    name: connectionName,
    /** amqp://host:5672 (the vhost comes from `vhost`, not from the URL path; credentials from username/password). */
    url: z.string().url(),
    /** http://host:15672: the management plugin's HTTP API. */
    managementUrl: z.string().url(),
    vhost: z.string().min(1).default("/"),
    username: z.string().min(1).default("guest"),
    password: z.string().default("guest"),
    /** Per-request deadline for the management API (ms). */
    timeoutMs: z.number().int().positive().default(10_000),
    /** How often the collector samples every queue (depths, consumers, rates). */
    sampleIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    replay: replaySettings,
  })
  .strict();

export type RabbitMqConnectionConfig = z.output<typeof rabbitMqConnectionSchema>;

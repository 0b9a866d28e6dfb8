import { z } from "zod";

/** One RabbitMQ connection: AMQP for messages, the management HTTP API for depths, topology and shovels. */
export const rabbitMqConnectionSchema = z.object({
  name: z.string().min(1),
  /** amqp://user:password@host:5672 (the vhost comes from `vhost`, not from the URL path). */
  url: z.string().url(),
  /** http://host:15672: the management plugin's HTTP API. */
  managementUrl: z.string().url(),
  vhost: z.string().min(1).default("/"),
  username: z.string().min(1).default("guest"),
  password: z.string().default("guest"),
  /** Per-request deadline for the management API (ms). */
  timeoutMs: z.number().int().positive().default(10_000),
});

export type RabbitMqConnectionConfig = z.infer<typeof rabbitMqConnectionSchema>;

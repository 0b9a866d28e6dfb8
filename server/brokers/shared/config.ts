import { z } from "zod";

// Connection names appear in URLs and metric labels, so keep them simple.
export const connectionName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "use lowercase letters, digits, '-' or '_' (max 63 chars)");

/** Per connection: whether operators may edit a dead letter before replaying it, and the default for DLQ error headers. */
export const replaySettings = z
  .object({
    allowEdit: z.boolean().default(false),
    keepErrorHeaders: z.boolean().default(false),
  })
  .strict()
  .prefault({});

import { z } from "zod";
import { connectionName, replaySettings } from "../shared/config";
import { awsIdentitySchema } from "../shared/security-schema";

/** One entry of `sqs:` in redrive.yaml. */
export const sqsConnectionSchema = z
  .object({
    name: connectionName,
    region: z.string().min(1).default("us-east-1"),
    endpoint: z.url().optional(),
    credentials: z
      .object({
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(1),
        sessionToken: z.string().optional(),
      })
      .strict()
      .optional(),
    // Without credentials: the AWS default chain, or `profile`; with roleArn, that identity assumes the role (STS).
    ...awsIdentitySchema,
    queueNamePrefix: z.string().optional(),
    // SNS beside the queues: topics, subscriptions and subscription DLQs, with the same identity (and endpoint unless given).
    // refreshSeconds: how long the topics and subscriptions read are reused (SNS throttles GetSubscriptionAttributes
    // per account; one call per subscription). Replay always asks SNS about the one subscription afresh.
    sns: z.object({ endpoint: z.url().optional(), refreshSeconds: z.number().int().min(0).max(3600).default(60) }).strict().optional(),
    sampleIntervalSeconds: z.number().int().min(1).max(3600).default(15),
    replay: replaySettings,
  })
  .strict()
  .superRefine((sqs, ctx) => {
    if (sqs.externalId && !sqs.roleArn) ctx.addIssue({ code: "custom", path: ["externalId"], message: "externalId needs roleArn" });
    if (sqs.credentials && sqs.profile) ctx.addIssue({ code: "custom", path: ["profile"], message: "give either credentials or profile, not both" });
  });

export type SqsConnectionConfig = z.output<typeof sqsConnectionSchema>;

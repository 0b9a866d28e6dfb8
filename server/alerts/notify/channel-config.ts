import { z } from "zod";

// Channel settings (shown) and secrets (write-only), per kind. Also the shape of `alerts.channels` in redrive.yaml.

const grouping = {
  /** Labels that split a rule's alerts into separate notifications (empty: one group per rule). */
  groupBy: z.array(z.string().min(1)).max(10).default([]),
  /** Wait this long after a group's first alert, to send its first notification with what else fires. */
  groupWaitSeconds: z.number().int().min(0).max(3600).default(10),
  /** Then send news (new alerts, resolutions) of the group at most this often. */
  groupIntervalSeconds: z.number().int().min(1).max(86_400).default(300),
  /** Re-send a group that still fires after this long. */
  repeatIntervalSeconds: z.number().int().min(60).max(7 * 86_400).default(4 * 3600),
  sendResolved: z.boolean().default(true),
};

const httpUrl = z.url({ protocol: /^https?$/ });

export const channelSchemas = {
  webhook: {
    settings: z.object({ ...grouping }).strict(),
    secrets: z.object({ url: httpUrl, signingSecret: z.string().min(16, "at least 16 characters") }).strict(),
  },
  slack: {
    settings: z.object({ ...grouping }).strict(),
    secrets: z.object({ url: httpUrl }).strict(),
  },
  email: {
    settings: z
      .object({
        ...grouping,
        host: z.string().min(1),
        port: z.number().int().min(1).max(65_535).default(587),
        /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        /** Refuse to send unless the connection is upgraded with STARTTLS. */
        requireTls: z.boolean().default(true),
        /** false accepts a self-signed certificate (an internal relay); the connection stays encrypted. */
        verifyCertificate: z.boolean().default(true),
        username: z.string().optional(),
        from: z.string().min(3),
        to: z.array(z.string().min(3)).min(1).max(50),
      })
      .strict(),
    secrets: z.object({ password: z.string().optional() }).strict(),
  },
  alertmanager: {
    settings: z.object({ ...grouping, url: httpUrl }).strict(),
    secrets: z.object({ bearerToken: z.string().optional() }).strict(),
  },
  pagerduty: {
    settings: z.object({ ...grouping, url: httpUrl.default("https://events.pagerduty.com/v2/enqueue") }).strict(),
    secrets: z.object({ routingKey: z.string().min(1) }).strict(),
  },
} as const;

export type ChannelKind = keyof typeof channelSchemas;
export type GroupingSettings = z.infer<z.ZodObject<typeof grouping>>;

/** Secrets as an edit sends them: each may be left out or blank, meaning "keep the stored value". */
const keepable = <S extends z.ZodRawShape>(secrets: z.ZodObject<S>) =>
  z
    .object(Object.fromEntries(Object.entries(secrets.shape).map(([key, schema]) => [key, z.union([z.literal(""), schema as z.ZodType<string | undefined>]).optional()])))
    .strict() as unknown as z.ZodObject<{ [K in keyof S]: z.ZodOptional<z.ZodUnion<[z.ZodLiteral<"">, S[K]]>> }>;

export const channelInputSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("webhook"), settings: channelSchemas.webhook.settings, secrets: keepable(channelSchemas.webhook.secrets) }),
  z.object({ kind: z.literal("slack"), settings: channelSchemas.slack.settings, secrets: keepable(channelSchemas.slack.secrets) }),
  z.object({ kind: z.literal("email"), settings: channelSchemas.email.settings, secrets: keepable(channelSchemas.email.secrets) }),
  z.object({ kind: z.literal("alertmanager"), settings: channelSchemas.alertmanager.settings, secrets: keepable(channelSchemas.alertmanager.secrets) }),
  z.object({ kind: z.literal("pagerduty"), settings: channelSchemas.pagerduty.settings, secrets: keepable(channelSchemas.pagerduty.secrets) }),
]);
export type ChannelInput = z.input<typeof channelInputSchema>;

/** A channel as the notifier uses it (secrets included: server side only). */
export interface Channel {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  settings: Record<string, unknown> & GroupingSettings;
  secrets: Record<string, string>;
  source: "ui" | "file";
}

"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc";
import { ErrorBox } from "../ui";
import { Field, input, primary, splitList } from "./shared";

const kinds = ["webhook", "slack", "email", "alertmanager", "pagerduty"] as const;
type Kind = (typeof kinds)[number];

/** Which fields each kind asks for; secret fields are write-only (typed here, never shown again). */
const fields: Record<Kind, { key: string; label: string; secret?: boolean; type?: string }[]> = {
  webhook: [
    { key: "url", label: "URL", secret: true },
    { key: "signingSecret", label: "Signing secret (HMAC-SHA256, 16+ characters)", secret: true },
  ],
  slack: [{ key: "url", label: "Incoming webhook URL", secret: true }],
  email: [
    { key: "host", label: "SMTP host" },
    { key: "port", label: "Port", type: "number" },
    { key: "username", label: "Username" },
    { key: "password", label: "Password", secret: true },
    { key: "from", label: "From" },
    { key: "to", label: "To (comma-separated)" },
  ],
  alertmanager: [
    { key: "url", label: "Alertmanager URL (http://host:9093)" },
    { key: "bearerToken", label: "Bearer token (optional)", secret: true },
  ],
  pagerduty: [{ key: "routingKey", label: "Routing key", secret: true }],
};

/** A new channel (admins). Secrets go to the server once and never come back. */
export function ChannelForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>("webhook");
  const [name, setName] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const create = useMutation(
    trpc.alerts.createChannel.mutationOptions({
      onSuccess: () => {
        setValues({});
        setName("");
        void queryClient.invalidateQueries({ queryKey: trpc.alerts.channels.queryKey() });
      },
    }),
  );
  const submit = () => {
    const settings: Record<string, unknown> = {};
    const secrets: Record<string, string> = {};
    for (const f of fields[kind]) {
      const v = values[f.key]?.trim();
      if (!v) continue;
      if (f.secret) secrets[f.key] = v;
      else settings[f.key] = f.key === "port" ? Number(v) : f.key === "to" ? splitList(v) : v;
    }
    create.mutate({ name, channel: { kind, settings, secrets } as never });
  };
  return (
    <div className="space-y-3">
      {create.error ? <ErrorBox title="Could not create the channel" message={create.error.message} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <Field label="Name">
          <input className={input} value={name} onChange={(e) => setName(e.target.value)} data-testid="channel-name" />
        </Field>
        <Field label="Kind">
          <select className={input} value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="channel-kind">
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
        {fields[kind].map((f) => (
          <Field key={f.key} label={f.label}>
            <input
              className={input}
              type={f.secret ? "password" : (f.type ?? "text")}
              autoComplete="off"
              value={values[f.key] ?? ""}
              onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
              data-testid={`channel-${f.key}`}
            />
          </Field>
        ))}
      </div>
      <button type="button" className={primary} disabled={create.isPending || !name} onClick={submit} data-testid="create-channel">
        Add channel
      </button>
    </div>
  );
}

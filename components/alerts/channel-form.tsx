"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { PublicChannel } from "~/server/alerts/notify/channels";
import { useTRPC } from "../trpc";
import { ErrorBox } from "../ui";
import { button, Field, input, primary, splitList } from "./shared";

const kinds = ["webhook", "slack", "email", "alertmanager", "pagerduty"] as const;
type Kind = (typeof kinds)[number];

interface FieldDef {
  key: string;
  label: string;
  secret?: boolean;
  type?: "number" | "list";
}

/** Which fields each kind asks for; secret fields are write-only (typed here, never shown again). */
const fields: Record<Kind, FieldDef[]> = {
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
    { key: "to", label: "To (comma-separated)", type: "list" },
  ],
  alertmanager: [
    { key: "url", label: "Alertmanager URL (http://host:9093)" },
    { key: "bearerToken", label: "Bearer token (optional)", secret: true },
  ],
  pagerduty: [
    { key: "routingKey", label: "Routing key", secret: true },
    { key: "url", label: "Events API URL (empty: PagerDuty's)" },
  ],
};

/** Alertmanager-style grouping, the same for every kind (server/alerts/notify/channel-config.ts). */
const grouping: FieldDef[] = [
  { key: "groupWaitSeconds", label: "Group wait (seconds)", type: "number" },
  { key: "groupIntervalSeconds", label: "Group interval (seconds)", type: "number" },
  { key: "repeatIntervalSeconds", label: "Repeat interval (seconds)", type: "number" },
];

const shown = (value: unknown) => (value === undefined || value === null ? "" : Array.isArray(value) ? value.join(", ") : String(value));

/**
 * A new channel, or an edit of one (admins). Secrets go to the server and never come back: on an edit a secret
 * left blank keeps its stored value. Settings the form does not show (groupBy, TLS switches) are kept as they are.
 */
export function ChannelForm({ existing, onDone }: { existing?: PublicChannel; onDone?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<Kind>((existing?.kind as Kind | undefined) ?? "webhook");
  const [name, setName] = useState(existing?.name ?? "");
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries([...fields[kind], ...grouping].filter((f) => !f.secret).map((f) => [f.key, shown(existing?.settings[f.key])])),
  );
  const saved = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.alerts.channels.queryKey() });
    if (!existing) {
      setValues({});
      setName("");
    }
    onDone?.();
  };
  const create = useMutation(trpc.alerts.createChannel.mutationOptions({ onSuccess: saved }));
  const update = useMutation(trpc.alerts.updateChannel.mutationOptions({ onSuccess: saved }));
  const submit = () => {
    const settings: Record<string, unknown> = { ...existing?.settings };
    const secrets: Record<string, string> = {};
    for (const f of [...fields[kind], ...grouping]) {
      const v = values[f.key]?.trim() ?? "";
      if (f.secret) {
        if (v) secrets[f.key] = v;
      } else if (!v) delete settings[f.key];
      else settings[f.key] = f.type === "number" ? Number(v) : f.type === "list" ? splitList(v) : v;
    }
    const channel = { kind, settings, secrets } as never;
    if (existing) update.mutate({ id: existing.id, name, channel });
    else create.mutate({ name, channel });
  };
  const error = create.error ?? update.error;
  const pending = create.isPending || update.isPending;
  const field = (f: FieldDef) => {
    const set = existing?.secretsSet.includes(f.key);
    return (
      <Field key={f.key} label={f.label} hint={f.secret && set ? "set: leave blank to keep it" : undefined}>
        <input
          className={input}
          type={f.secret ? "password" : f.type === "number" ? "number" : "text"}
          autoComplete="off"
          placeholder={f.secret && set ? "•••••• (unchanged)" : undefined}
          value={values[f.key] ?? ""}
          onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
          data-testid={`channel-${f.key}`}
        />
      </Field>
    );
  };
  return (
    <div className="space-y-3" data-testid={existing ? "channel-edit-form" : "channel-form"}>
      {error ? <ErrorBox title={existing ? "Could not save the channel" : "Could not create the channel"} message={error.message} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <Field label="Name">
          <input className={input} value={name} onChange={(e) => setName(e.target.value)} data-testid="channel-name" />
        </Field>
        <Field label="Kind" hint={existing ? "a channel's kind cannot change" : undefined}>
          <select className={input} value={kind} disabled={existing !== undefined} onChange={(e) => setKind(e.target.value as Kind)} data-testid="channel-kind">
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </Field>
        {fields[kind].map(field)}
      </div>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3" aria-label="Grouping">
        {grouping.map(field)}
      </div>
      <p className="text-xs text-slate-500">
        Grouping as Alertmanager does it: wait before a group&apos;s first notification, then send its news at most every interval, and repeat what
        still fires after the repeat interval. Empty: 10 s, 300 s, 4 h.
      </p>
      <div className="flex gap-2">
        <button type="button" className={primary} disabled={pending || !name} onClick={submit} data-testid={existing ? "save-channel" : "create-channel"}>
          {existing ? "Save channel" : "Add channel"}
        </button>
        {existing ? (
          <button type="button" className={button} onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
    </div>
  );
}

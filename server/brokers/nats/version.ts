/** A nats-server version as the INFO block reports it ("2.9.10", "2.11.0-RC.1"). */
export interface ServerVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseServerVersion(text: string): ServerVersion | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text };
}

function atLeast(v: ServerVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/**
 * What Redrive uses that depends on the server version. Checked against nats-server 2.9.10 (the local stack)
 * and the nats-server history: MSG_TERMINATED exists since the first JetStream releases (2.2), its `reason`
 * field since 2.10.4; direct get (streams with allow_direct) since 2.9.0; consumer info `ts` since 2.10.
 */
export interface ServerFeatures {
  /** MAX_DELIVERIES advisories (every JetStream server). */
  maxDeliveriesAdvisory: boolean;
  /** MSG_TERMINATED advisories for messages the application ended with +TERM. */
  terminatedAdvisory: boolean;
  /** The `reason` of a +TERM (and server-side terminations) in the advisory. */
  terminatedReason: boolean;
  /** $JS.API.DIRECT.GET (only for streams with allow_direct). */
  directGet: boolean;
  /** Consumer info carries the server's `ts`: lag in seconds against the server's clock, not ours. */
  consumerInfoTimestamp: boolean;
  /** Why a feature is off, one line each, for the UI. */
  missing: string[];
}

export function serverFeatures(version: ServerVersion | null): ServerFeatures {
  // Unknown version: assume the oldest JetStream (2.2) so nothing is promised that may not be there.
  const v = version ?? { major: 2, minor: 2, patch: 0, text: "unknown" };
  const features = {
    maxDeliveriesAdvisory: atLeast(v, 2, 2),
    terminatedAdvisory: atLeast(v, 2, 2),
    terminatedReason: atLeast(v, 2, 10, 4),
    directGet: atLeast(v, 2, 9),
    consumerInfoTimestamp: atLeast(v, 2, 10),
  };
  const missing: string[] = [];
  if (!features.maxDeliveriesAdvisory) missing.push(`nats-server ${v.text} predates JetStream 2.2: no max-delivery advisories, so no dead letters`);
  if (!features.terminatedReason) missing.push(`terminated messages carry no reason before nats-server 2.10.4 (this server: ${v.text})`);
  if (!features.directGet) missing.push(`direct get needs nats-server 2.9 (this server: ${v.text}): messages are read through the stream leader`);
  if (!features.consumerInfoTimestamp) missing.push(`consumer info has no server timestamp before nats-server 2.10 (this server: ${v.text}): lag in seconds is measured against Redrive's clock`);
  return { ...features, missing };
}

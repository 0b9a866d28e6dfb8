import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from "@smithy/types";

// Amazon MSK IAM over SASL/OAUTHBEARER, as AWS's aws-msk-iam-sasl-signer libraries do it: the token is a SigV4
// presigned GET of https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect (service
// "kafka-cluster", valid 15 minutes), with a User-Agent parameter added after signing, base64url-encoded.
// MSK accepts this on its SASL_SSL IAM listener (port 9098 / 9198) since 2023, so both kafkajs and
// @platformatic/kafka reach it through their public OAUTHBEARER support.

export const MSK_TOKEN_LIFETIME_SECONDS = 900;
const SIGNING_SERVICE = "kafka-cluster";
const USER_AGENT = "redrive-msk-iam";

const toBuffer = (data: SourceData) =>
  typeof data === "string" ? Buffer.from(data, "utf8") : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 / HMAC-SHA-256 from node:crypto in the shape the SigV4 signer takes. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

// RFC 3986 encoding, as SigV4 canonicalises query strings.
const escape = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** One MSK IAM auth token for `region`, signed with `credentials` at `now`. */
export async function mskIamToken(region: string, credentials: AwsCredentialIdentity, now: Date = new Date()): Promise<string> {
  const hostname = `kafka.${region}.amazonaws.com`;
  const signer = new SignatureV4({ service: SIGNING_SERVICE, region, credentials, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.presign(
    { method: "GET", protocol: "https:", hostname, path: "/", query: { Action: "kafka-cluster:Connect" }, headers: { host: hostname } },
    { expiresIn: MSK_TOKEN_LIFETIME_SECONDS, signingDate: now },
  );
  const query = { ...signed.query, "User-Agent": USER_AGENT };
  const search = Object.entries(query)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string").map((v) => `${escape(key)}=${escape(v)}`))
    .join("&");
  return Buffer.from(`https://${hostname}/?${search}`, "utf8").toString("base64url");
}

/** A token provider for the SASL client: fresh credentials (the provider caches and refreshes them) and a fresh signature per connection. */
export function mskIamTokenProvider(region: string, credentials: AwsCredentialIdentityProvider): () => Promise<string> {
  return async () => mskIamToken(region, await credentials());
}

import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainKafkaSecurityError } from "~/server/brokers/kafka/kafka-errors";
import { describeKafkaSecurity, kafkaConnectionOptions } from "~/server/brokers/kafka/kafka-security";
import { mskIamToken } from "~/server/brokers/kafka/msk-iam-token";
import { oauthTokenProvider } from "~/server/brokers/kafka/oauth-token";
import { ConfigError, parseConfig } from "~/server/config/load";

const file = "/etc/redrive/redrive.yaml";
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redrive-sec-"));
  writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
  writeFileSync(path.join(dir, "password"), "s3cret-from-file\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problem(text: string): ConfigError {
  try {
    parseConfig(text, file, {});
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const kafka = (extra: string) => `kafka:\n  - name: prod\n    brokers: ["k:9093"]\n${extra}`;

describe("Kafka security config", () => {
  it("reads CA and secret files at start-up and keeps the mechanism", () => {
    const config = parseConfig(
      kafka(`    ssl: { caFile: ${dir}/ca.pem, servername: kafka.internal }\n    sasl: { mechanism: scram-sha-512, username: redrive, passwordFile: ${dir}/password }\n`),
      file,
      {},
    );
    const connection = config.kafka[0]!;
    expect(connection.ssl).toMatchObject({ ca: expect.stringContaining("BEGIN CERTIFICATE"), servername: "kafka.internal", rejectUnauthorized: true });
    expect(connection.sasl).toEqual({ mechanism: "scram-sha-512", username: "redrive", password: "s3cret-from-file" });
    expect(describeKafkaSecurity(connection)).toBe("SASL_SSL / SCRAM-SHA-512 as user redrive, private CA, server name kafka.internal");
    const options = kafkaConnectionOptions(connection);
    expect(options.tlsServerName).toBe("kafka.internal");
    expect(options.tls).toMatchObject({ ca: expect.stringContaining("BEGIN CERTIFICATE"), rejectUnauthorized: true });
    expect(options.sasl).toEqual({ mechanism: "SCRAM-SHA-512", username: "redrive", password: "s3cret-from-file" });
  });

  it("names the key of a missing file", () => {
    const error = problem(kafka(`    ssl: { caFile: ${dir}/nope.pem }\n`));
    expect(error.key).toBe("kafka.0.ssl.caFile");
    expect(error.problem).toMatch(/cannot read .*nope\.pem: file not found/);
  });

  it("refuses a certificate without its key, and a value given twice", () => {
    expect(problem(kafka(`    ssl: { caFile: ${dir}/ca.pem, certFile: ${dir}/ca.pem }\n`)).key).toBe("kafka.0.ssl.key");
    const twice = problem(kafka(`    sasl: { mechanism: plain, username: u, password: p, passwordFile: ${dir}/password }\n`));
    expect(twice.key).toBe("kafka.0.sasl.password");
    expect(twice.problem).toMatch(/either password or passwordFile/);
  });

  it("asks for the secret of OAUTHBEARER and a role for an external id", () => {
    expect(problem(kafka(`    sasl: { mechanism: oauthbearer, tokenEndpoint: "https://idp/token", clientId: redrive }\n`)).key).toBe("kafka.0.sasl.clientSecret");
    expect(problem(kafka(`    sasl: { mechanism: aws-msk-iam, region: eu-west-1, externalId: x }\n`)).key).toBe("kafka.0.sasl.externalId");
    expect(problem(kafka(`    sasl: { mechanism: gssapi, username: u }\n`)).key).toBe("kafka.0.sasl.mechanism");
    expect(problem(`sqs:\n  - name: aws\n    roleArn: not-an-arn\n`).key).toBe("sqs.0.roleArn");
  });

  it("names MSK IAM and SQS identities without secrets", () => {
    const config = parseConfig(
      `${kafka(`    ssl: true\n    sasl: { mechanism: aws-msk-iam, region: eu-west-1, roleArn: "arn:aws:iam::123456789012:role/redrive", externalId: x }\n`)}sqs:\n  - name: aws\n    region: eu-west-1\n    profile: ops\n`,
      file,
      {},
    );
    expect(describeKafkaSecurity(config.kafka[0]!)).toBe("SASL_SSL / AWS MSK IAM (eu-west-1, default credential chain → role arn:aws:iam::123456789012:role/redrive (external id))");
    expect(kafkaConnectionOptions(config.kafka[0]!).sasl).toMatchObject({ mechanism: "OAUTHBEARER", token: expect.any(Function) });
    expect(config.sqs[0]).toMatchObject({ profile: "ops", roleSessionName: "redrive" });
  });
});

describe("TLS and SASL errors read as causes", () => {
  const noCert = { tls: true, clientCertificate: false };
  it("maps Node's TLS codes and the broker's SASL answers, through wrapped causes", () => {
    const wrapped = Object.assign(new Error("Connection error"), { originalError: Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" }) });
    expect(explainKafkaSecurityError(wrapped, noCert)).toMatch(/not signed by a CA Redrive trusts.*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    const alert = Object.assign(new Error("ssl/tls alert bad certificate"), { code: "ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE" });
    expect(explainKafkaSecurityError(alert, noCert)).toMatch(/requires a client certificate/);
    expect(explainKafkaSecurityError(alert, { tls: true, clientCertificate: true })).toMatch(/rejected Redrive's client certificate/);
    expect(explainKafkaSecurityError(new Error("SASL SCRAM SHA512 authentication failed: invalid credentials"), noCert)).toMatch(/^SASL authentication failed/);
    expect(explainKafkaSecurityError(new Error("connect ECONNREFUSED 127.0.0.1:1"), noCert)).toBeNull();
    const closed = Object.assign(new AggregateError([Object.assign(new Error("Connection closed"), { code: "PLT_KFK_NETWORK" })], "Listing topics failed."), { code: "PLT_KFK_MULTIPLE" });
    expect(explainKafkaSecurityError(closed, noCert)).toMatch(/requires a client certificate/);
    expect(explainKafkaSecurityError(closed, { tls: false, clientCertificate: false })).toBeNull();
  });
});

describe("MSK IAM token", () => {
  const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session/token+1" };
  const at = new Date("2026-01-02T03:04:05Z");

  /** SigV4 for a presigned GET, computed here from the spec, independently of the SDK's signer. */
  function expectedSignature(query: URLSearchParams, host: string, region: string): string {
    const enc = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonicalQuery = [...query.entries()]
      .filter(([key]) => key !== "X-Amz-Signature" && key !== "User-Agent")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${enc(k)}=${enc(v)}`)
      .join("&");
    const payload = createHash("sha256").update("").digest("hex");
    const canonical = ["GET", "/", canonicalQuery, `host:${host}\n`, "host", payload].join("\n");
    const date = "20260102";
    const scope = `${date}/${region}/kafka-cluster/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", "20260102T030405Z", scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
    const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), region), "kafka-cluster"), "aws4_request");
    return createHmac("sha256", signingKey).update(toSign).digest("hex");
  }

  it("is a base64url presigned kafka-cluster:Connect URL with a valid SigV4 signature", async () => {
    const token = await mskIamToken("eu-west-1", credentials, at);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token, "base64url").toString("utf8"));
    expect(url.origin).toBe("https://kafka.eu-west-1.amazonaws.com");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("kafka-cluster:Connect");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20260102/eu-west-1/kafka-cluster/aws4_request");
    expect(q.get("X-Amz-Date")).toBe("20260102T030405Z");
    expect(q.get("X-Amz-Expires")).toBe("900");
    expect(q.get("X-Amz-SignedHeaders")).toBe("host");
    expect(q.get("X-Amz-Security-Token")).toBe("session/token+1");
    expect(q.get("User-Agent")).toMatch(/^redrive/);
    expect(q.get("X-Amz-Signature")).toBe(expectedSignature(q, "kafka.eu-west-1.amazonaws.com", "eu-west-1"));
  });

  it("is deterministic for fixed credentials and time, and changes with either", async () => {
    const token = await mskIamToken("eu-west-1", credentials, at);
    expect(await mskIamToken("eu-west-1", credentials, at)).toBe(token);
    expect(await mskIamToken("eu-west-1", credentials, new Date(at.getTime() + 1000))).not.toBe(token);
    expect(await mskIamToken("eu-west-1", { ...credentials, secretAccessKey: "other" }, at)).not.toBe(token);
  });
});

describe("OAUTHBEARER client-credentials token", () => {
  let server: Server;
  let endpoint: string;
  const requests: { authorization: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        requests.push({ authorization: req.headers.authorization, body });
        const expected = `Basic ${Buffer.from("redrive:top-secret").toString("base64")}`;
        res.setHeader("content-type", "application/json");
        if (req.headers.authorization !== expected) {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: "invalid_client", error_description: "bad client secret" }));
          return;
        }
        // A small delay so concurrent callers overlap.
        setTimeout(() => res.end(JSON.stringify({ access_token: `token-${requests.length}`, token_type: "bearer", expires_in: 120 })), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("fetches with client credentials, caches, and refreshes before expiry", async () => {
    requests.length = 0;
    let now = 1_000_000;
    const provider = oauthTokenProvider({ tokenEndpoint: endpoint, clientId: "redrive", clientSecret: "top-secret", scope: "kafka" }, () => now);
    const [a, b] = await Promise.all([provider(), provider()]);
    expect([a, b]).toEqual(["token-1", "token-1"]);
    expect(requests).toHaveLength(1);
    expect(new URLSearchParams(requests[0]!.body).get("grant_type")).toBe("client_credentials");
    expect(new URLSearchParams(requests[0]!.body).get("scope")).toBe("kafka");
    now += 59_000;
    expect(await provider()).toBe("token-1");
    // 120 s token: refreshed 60 s before it expires.
    now += 2_000;
    expect(await provider()).toBe("token-2");
    expect(requests).toHaveLength(2);
  });

  it("reports the provider's refusal without the secret", async () => {
    const provider = oauthTokenProvider({ tokenEndpoint: endpoint, clientId: "redrive", clientSecret: "wrong-secret" });
    const error = await provider().then(() => null, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/refused client "redrive" \(invalid_client: bad client secret\)/);
    expect(error?.message).not.toContain("wrong-secret");
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCredentialProvider, describeAwsIdentity } from "~/server/brokers/shared/aws-credentials";
import { parseConfig } from "~/server/config/load";

// A tiny STS that answers AssumeRole, so the role path runs through the AWS SDK for real.
let server: Server;
let endpoint: string;
const calls: { params: URLSearchParams; authorization: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      calls.push({ params: new URLSearchParams(body), authorization: String(req.headers.authorization) });
      res.setHeader("content-type", "text/xml");
      res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAROLEKEY</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-session</SessionToken>
<Expiration>${new Date(Date.now() + 3_600_000).toISOString()}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROA:redrive</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/redrive/redrive</Arn></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("AWS identities for SQS and MSK IAM", () => {
  it("assumes the configured role with its external id, signed by the base identity", async () => {
    const config = parseConfig(
      `sqs:\n  - name: payments\n    region: eu-west-1\n    roleArn: "arn:aws:iam::123456789012:role/redrive"\n    externalId: ext-42\n    stsEndpoint: ${endpoint}\n    credentials: { accessKeyId: AKIABASE, secretAccessKey: base-secret }\n`,
      "/etc/redrive/redrive.yaml",
      {},
    );
    const provider = awsCredentialProvider(config.sqs[0]!);
    const credentials = await provider!();
    expect(credentials).toMatchObject({ accessKeyId: "ASIAROLEKEY", secretAccessKey: "role-secret", sessionToken: "role-session" });
    expect(calls).toHaveLength(1);
    const { params, authorization } = calls[0]!;
    expect(params.get("Action")).toBe("AssumeRole");
    expect(params.get("RoleArn")).toBe("arn:aws:iam::123456789012:role/redrive");
    expect(params.get("ExternalId")).toBe("ext-42");
    expect(params.get("RoleSessionName")).toBe("redrive");
    expect(authorization).toContain("Credential=AKIABASE/");
    // Cached until it nears expiry.
    await provider!();
    expect(calls).toHaveLength(1);
    expect(describeAwsIdentity(config.sqs[0]!)).toBe("static keys → role arn:aws:iam::123456789012:role/redrive (external id)");
  });

  it("leaves the SDK to its default chain when nothing is configured, and uses static keys as given", async () => {
    expect(awsCredentialProvider({ region: "eu-west-1", roleSessionName: "redrive" })).toBeUndefined();
    const fixed = awsCredentialProvider({ region: "elasticmq", roleSessionName: "redrive", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    expect(await fixed!()).toEqual({ accessKeyId: "local", secretAccessKey: "local" });
    expect(describeAwsIdentity({ roleSessionName: "redrive", profile: "ops" })).toBe("profile ops");
  });
});

import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "~/server/config/load";

const file = "/etc/redrive/redrive.yaml";

function problem(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, file, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("reads connections and fills defaults", () => {
    const config = parseConfig(
      `kafka:\n  - name: prod\n    brokers: ["k1:9092", "k2:9092"]\nsqs:\n  - name: aws\n    region: eu-west-1\n`,
      file,
      {},
    );
    expect(config.kafka[0]).toMatchObject({ name: "prod", brokers: ["k1:9092", "k2:9092"], clientId: "redrive", ssl: false, sampleIntervalSeconds: 15 });
    expect(config.sqs[0]).toMatchObject({ name: "aws", region: "eu-west-1" });
    expect(config.databases).toEqual([]);
  });

  it("treats an empty file as no connections", () => {
    const config = parseConfig("", file, {});
    expect(config).toMatchObject({ kafka: [], sqs: [], databases: [] });
    expect(config.collector).toMatchObject({ rawRetentionHours: 24, rollupRetentionDays: 7, statusWindowSamples: 10 });
    expect(config.payloads).toEqual({ readRoles: ["viewer", "operator", "admin"], readAnyTopicRoles: ["admin"], masking: [] });
  });

  it("interpolates environment variables, with defaults", () => {
    const config = parseConfig(
      `databases:\n  - name: orders\n    url: postgres://app:\${ORDERS_PW}@\${ORDERS_HOST:-db.local}:5432/orders\n`,
      file,
      { ORDERS_PW: "s3cret" },
    );
    expect(config.databases[0]?.url).toBe("postgres://app:s3cret@db.local:5432/orders");
  });

  it("names the file, the key and the missing variable", () => {
    const error = problem(`sqs:\n  - name: aws\n    credentials:\n      accessKeyId: \${AWS_KEY}\n      secretAccessKey: x\n`);
    expect(error.file).toBe(file);
    expect(error.key).toBe("sqs.0.credentials.accessKeyId");
    expect(error.message).toContain(file);
    expect(error.message).toContain("AWS_KEY is not set");
  });

  it("names the key of a value of the wrong shape", () => {
    const error = problem(`kafka:\n  - name: prod\n    brokers: ["no-port"]\n`);
    expect(error.key).toBe("kafka.0.brokers.0");
    expect(error.problem).toContain("host:port");
  });

  it("rejects unknown keys, so typos do not pass silently", () => {
    const error = problem(`kafka:\n  - name: prod\n    brokers: ["k:9092"]\n    sasl_mechanism: plain\n`);
    expect(error.key).toBe("kafka.0");
    expect(error.problem).toMatch(/sasl_mechanism/);
  });

  it("rejects duplicate connection names of one kind", () => {
    const error = problem(`kafka:\n  - name: a\n    brokers: ["k:9092"]\n  - name: a\n    brokers: ["j:9092"]\n`);
    expect(error.key).toBe("kafka.1.name");
    expect(error.problem).toContain("duplicate");
  });

  it("reports YAML syntax errors with their line", () => {
    const error = problem(`kafka:\n  - name: a\n   brokers: [\n`);
    expect(error.key).toMatch(/^line \d+, column \d+$/);
  });
});

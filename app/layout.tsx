import type { Metadata } from "next";
import type { ReactNode } from "react";
import { NuqsAdapter } from "nuqs/adapters/next/app";
import { TRPCReactProvider } from "~/components/trpc";
import "./globals.css";

// Every page is rendered per request: its scripts carry that request's CSP nonce (proxy.ts).
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Redrive",
  description: "Operations console for event-driven systems: consumer lag, DLQs, replays, sagas, outbox.",
  icons: { icon: "/favicon.svg" },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {/* View state (tabs, filters, searches, ranges, the open message) lives in the URL: components/url-state.ts */}
        <NuqsAdapter>
          <TRPCReactProvider>{children}</TRPCReactProvider>
        </NuqsAdapter>
      </body>
    </html>
  );
}

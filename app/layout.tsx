import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { NuqsAdapter } from "nuqs/adapters/next/app";
import { themeScript } from "~/components/theme-toggle";
import { TRPCReactProvider } from "~/components/trpc";
import "./globals.css";

// Every page is rendered per request: its scripts carry that request's CSP nonce (proxy.ts).
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Redrive",
  description: "Operations console for event-driven systems: consumer lag, DLQs, replays, sagas, outbox.",
  icons: { icon: "/favicon.svg" },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The chosen theme is applied before the first paint by a tiny script carrying this request's CSP nonce.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    // The theme script sets data-theme on <html> before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        {/* View state (tabs, filters, searches, ranges, the open message) lives in the URL: components/url-state.ts */}
        <NuqsAdapter>
          <TRPCReactProvider>{children}</TRPCReactProvider>
        </NuqsAdapter>
      </body>
    </html>
  );
}

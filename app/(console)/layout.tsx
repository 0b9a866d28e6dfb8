import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Nav } from "~/components/nav";
import { UtcToggle } from "~/components/charts/time-zone";
import { KeyboardShortcuts } from "~/components/keyboard-shortcuts";
import { SignOutButton } from "~/components/sign-out-button";
import { ThemeToggle } from "~/components/theme-toggle";
import { currentUser } from "~/server/auth/current-user";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return (
    <div className="flex min-h-screen">
      <aside className="flex w-52 shrink-0 flex-col gap-6 bg-slate-900 px-3 py-4 text-white">
        <div className="px-3 text-lg font-semibold tracking-tight">Redrive</div>
        <Nav />
        <div className="mt-auto space-y-1 px-3 text-xs text-slate-400">
          <div>
            <span className="text-slate-200" data-testid="current-user">
              {user.name}
            </span>{" "}
            · {user.role}
          </div>
          <SignOutButton />
          <ThemeToggle />
          <UtcToggle />
        </div>
      </aside>
      <main className="min-w-0 flex-1 p-6">
        {children}
        <KeyboardShortcuts />
      </main>
    </div>
  );
}

import { redirect } from "next/navigation";
import { SignInForm } from "~/components/sign-in-form";
import { currentUser } from "~/server/auth/current-user";
import { connections } from "~/server/connections/registry";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string | string[] }> }) {
  if (await currentUser()) redirect("/");
  const sso = connections().config.auth.oidc;
  const { error } = await searchParams;
  // Only our own callback puts a message here; React escapes it, and it is cut to a sentence's length.
  const message = typeof error === "string" ? error.slice(0, 200) : null;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <div>
          <h1 className="mb-1 text-xl font-semibold">Redrive</h1>
          <p className="text-sm text-slate-500">Sign in to the operations console.</p>
        </div>
        {message ? (
          <p role="alert" className="text-sm text-red-700">
            {message}
          </p>
        ) : null}
        {sso ? (
          // A plain link: the start route answers with a redirect to the provider.
          <a href="/api/auth/oidc/start" className="block w-full rounded bg-indigo-700 py-2 text-center text-sm font-medium text-white hover:bg-indigo-600">
            Sign in with {sso.name}
          </a>
        ) : null}
        {!sso || sso.localAccounts ? (
          <SignInForm />
        ) : (
          <details className="text-sm">
            <summary className="cursor-pointer text-xs text-slate-500">Break-glass sign-in (emergency accounts only)</summary>
            <div className="mt-3">
              <SignInForm />
            </div>
          </details>
        )}
      </div>
    </main>
  );
}

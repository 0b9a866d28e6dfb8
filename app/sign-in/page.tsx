import { redirect } from "next/navigation";
import { SignInForm } from "~/components/sign-in-form";
import { currentUser } from "~/server/auth/current-user";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await currentUser()) redirect("/");
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="mb-1 text-xl font-semibold">Redrive</h1>
        <p className="mb-5 text-sm text-slate-500">Sign in to the operations console.</p>
        <SignInForm />
      </div>
    </main>
  );
}

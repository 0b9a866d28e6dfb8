"use client";

import { useRouter } from "next/navigation";
import { ChangePasswordForm } from "./settings/account-panel";
import { SignOutButton } from "./sign-out-button";

/** After an admin reset: nothing else is reachable until the user picks their own password. */
export function ForcedPasswordChange({ username }: { username: string }) {
  const router = useRouter();
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-lg space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-xl font-semibold">Choose a new password</h1>
        <p className="text-sm text-slate-500">
          An admin reset the password of <span className="font-mono">{username}</span>. Enter the temporary password as the current one.
        </p>
        <ChangePasswordForm onChanged={() => router.refresh()} />
        <div className="text-xs text-slate-500"><SignOutButton /></div>
      </div>
    </main>
  );
}

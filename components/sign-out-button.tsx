"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "./trpc";

export function SignOutButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const signOut = useMutation(trpc.auth.signOut.mutationOptions({ onSettled: () => router.replace("/sign-in") }));
  return (
    <button
      type="button"
      onClick={() => signOut.mutate()}
      className="text-xs text-slate-400 underline-offset-2 hover:text-white hover:underline"
    >
      Sign out
    </button>
  );
}

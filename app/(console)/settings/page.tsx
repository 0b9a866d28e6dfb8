import { AccountPanel } from "~/components/settings/account-panel";
import { ConnectionsPanel } from "~/components/settings/connections-panel";
import { TokensPanel } from "~/components/settings/tokens-panel";
import { UsersPanel } from "~/components/settings/users-panel";
import { PageHeader } from "~/components/ui";
import { currentUser } from "~/server/auth/current-user";
import { can } from "~/server/auth/permissions";
import { connections } from "~/server/connections/registry";

export default async function SettingsPage() {
  const user = await currentUser();
  const isAdmin = user ? can(user.role, connections().config, "admin") : false;
  return (
    <div className="space-y-6">
      <PageHeader title="Settings" />
      {user?.kind === "user" ? <AccountPanel local={!user.external} /> : null}
      <ConnectionsPanel />
      {isAdmin ? (
        <>
          <UsersPanel />
          <TokensPanel />
        </>
      ) : (
        <p className="text-sm text-slate-500">Users and API tokens are managed by admins.</p>
      )}
    </div>
  );
}

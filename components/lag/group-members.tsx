import type { GroupMember } from "./types";

/** Each member of the group with the partitions it owns, and its epoch on the consumer protocol (KIP-848). */
export function GroupMembers({ members, consumerProtocol }: { members: GroupMember[]; consumerProtocol: boolean }) {
  if (members.length === 0) return <p className="text-sm text-slate-500" data-testid="group-no-members">No members: nobody is consuming right now.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">Member</th>
            <th scope="col" className="py-1 pr-3 font-medium">Client</th>
            <th scope="col" className="py-1 pr-3 font-medium">Host</th>
            {consumerProtocol ? <th scope="col" className="py-1 pr-3 text-right font-medium">Member epoch</th> : null}
            <th scope="col" className="py-1 pr-3 font-medium">Assignment</th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.memberId} className="border-t border-slate-100 align-top" data-testid="group-member">
              <td className="max-w-64 break-all py-1 pr-3 font-mono text-xs" data-testid="group-member-id">
                {member.memberId}
              </td>
              <td className="py-1 pr-3 font-mono text-xs">{member.clientId || "—"}</td>
              <td className="py-1 pr-3 font-mono text-xs">{member.host || "—"}</td>
              {consumerProtocol ? (
                <td className="py-1 pr-3 text-right tabular-nums" data-testid="group-member-epoch">
                  {member.memberEpoch ?? "—"}
                </td>
              ) : null}
              <td className="py-1 pr-3 font-mono text-xs" data-testid="group-member-assignment">
                {member.assignments.length === 0 ? (
                  <span className="text-slate-400">nothing assigned</span>
                ) : (
                  member.assignments.map((a) => (
                    <div key={a.topic} className="break-all">
                      {a.topic}: {a.partitions.join(", ")}
                    </div>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

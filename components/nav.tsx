"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { FiringAlertsBadge } from "./alerts/firing-badge";
import { StuckSagasBadge } from "./sagas/stuck-badge";

export const sections = [
  { href: "/", label: "Overview" },
  { href: "/lag", label: "Consumer lag" },
  { href: "/dlqs", label: "DLQs" },
  { href: "/replays", label: "Replays" },
  { href: "/sagas", label: "Sagas" },
  { href: "/outbox", label: "Outbox" },
  { href: "/alerts", label: "Alerts" },
  { href: "/audit", label: "Audit" },
  { href: "/settings", label: "Settings" },
] as const;

export function Nav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Sections" className="flex flex-col gap-0.5">
      {sections.map((section) => {
        const active = section.href === "/" ? pathname === "/" : pathname.startsWith(section.href);
        return (
          <Link
            key={section.href}
            href={section.href}
            aria-current={active ? "page" : undefined}
            className={`flex items-center rounded px-3 py-1.5 text-sm ${
              active ? "bg-slate-800 font-medium text-white" : "text-slate-300 hover:bg-slate-800/60 hover:text-white"
            }`}
          >
            {section.label}
            {section.href === "/sagas" ? <StuckSagasBadge /> : null}
            {section.href === "/alerts" ? <FiringAlertsBadge /> : null}
          </Link>
        );
      })}
    </nav>
  );
}

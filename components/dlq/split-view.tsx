"use client";

import type { ReactNode } from "react";
import { Group, Panel, Separator } from "react-resizable-panels";

/**
 * The message list with the open message beside it (react-resizable-panels): the detail is where the
 * person is looking, scrolls on its own and can be widened by dragging the bar (or with the arrow keys
 * once the bar has focus). The list panel stays mounted when the detail opens or closes, so selections
 * and the scroll position survive.
 */
export function SplitView({ children, detail }: { children: ReactNode; detail: ReactNode }) {
  const open = detail !== null && detail !== undefined && detail !== false;
  return (
    <Group
      orientation="horizontal"
      className="gap-0"
      // Open: one screen tall, each side scrolling on its own; closed: as tall as the list.
      style={open ? { height: "max(36rem, calc(100vh - 9rem))" } : { height: "auto" }}
      data-testid="message-split"
    >
      {/* The list never gets narrower than its fixed columns (about 600 px), so nothing is cut off. */}
      <Panel id="list" minSize={600} defaultSize={open ? "60%" : "100%"} className="pr-1">
        {children}
      </Panel>
      {open ? (
        <>
          <Separator
            id="message-split-bar"
            className="w-1.5 shrink-0 rounded bg-slate-200 outline-none hover:bg-sky-300 focus-visible:bg-sky-400 data-[separator=active]:bg-sky-400"
            aria-label="Resize the message detail"
          />
          <Panel id="detail" minSize="25%" defaultSize="40%" className="pl-1">
            {detail}
          </Panel>
        </>
      ) : null}
    </Group>
  );
}

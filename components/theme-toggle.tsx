"use client";

import { useEffect } from "react";
import { useStoredState } from "./use-stored-state";

export const THEME_KEY = "redrive.theme";
type Theme = "system" | "light" | "dark";

const parseTheme = (raw: string | null): Theme => (raw === "light" || raw === "dark" ? raw : "system");
const serializeTheme = (theme: Theme) => (theme === "system" ? null : theme);

/**
 * The script app/layout.tsx runs before the first paint, so a chosen theme never flashes the other one.
 * Kept beside the toggle that writes the same key.
 */
export const themeScript = `try{var t=localStorage.getItem(${JSON.stringify(THEME_KEY)});if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;

/** System (prefers-color-scheme), light or dark; remembered per browser. */
export function ThemeToggle() {
  const [theme, setTheme] = useStoredState(THEME_KEY, parseTheme, serializeTheme);
  useEffect(() => {
    if (theme === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <label className="flex items-center gap-2">
      <span>Theme</span>
      <select
        value={theme}
        onChange={(event) => setTheme(parseTheme(event.target.value))}
        className="rounded border border-slate-600 bg-slate-800 px-1 py-0.5 text-xs text-slate-200"
        data-testid="theme-toggle"
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

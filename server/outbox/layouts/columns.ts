import type { LayoutOverrides } from "~/server/sagas/config-schema";

/** The layout's default column names with the config's overrides (`<role>.<field>` keys) applied. */
export function columnsFor<T extends Record<string, string>>(overrides: LayoutOverrides, role: string, defaults: T): T {
  const out: Record<string, string> = { ...defaults };
  for (const field of Object.keys(defaults)) {
    const override = overrides.columns[`${role}.${field}`];
    if (override) out[field] = override;
  }
  return out as T;
}

// The theme override in the toolbar: follow the system, or force light / dark.
import { type ThemePreference, useTheme } from "../lib/theme.ts";

export function ThemeSelect() {
  const { preference, setPreference } = useTheme();
  return (
    <select aria-label="Theme" className="theme-select" value={preference} onChange={(e) => setPreference(e.target.value as ThemePreference)}>
      <option value="system">System theme</option>
      <option value="light">Light</option>
      <option value="dark">Dark</option>
    </select>
  );
}

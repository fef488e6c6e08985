// The colour theme: the system's (prefers-color-scheme) unless the user picked
// one; the choice is kept in localStorage and applied as data-theme on <html>,
// which the light palette in styles.css keys on.
import { useEffect, useSyncExternalStore } from "react";

export type ThemePreference = "system" | "light" | "dark";
export type Theme = "light" | "dark";

const STORAGE_KEY = "skeino.theme";
const listeners = new Set<() => void>();
const media = () => window.matchMedia("(prefers-color-scheme: light)");

export function readPreference(): ThemePreference {
  const v = window.localStorage.getItem(STORAGE_KEY);
  return v === "light" || v === "dark" ? v : "system";
}

export function resolveTheme(pref: ThemePreference, systemLight: boolean): Theme {
  return pref === "system" ? (systemLight ? "light" : "dark") : pref;
}

export function applyTheme(): Theme {
  const theme = resolveTheme(readPreference(), media().matches);
  document.documentElement.dataset.theme = theme;
  return theme;
}

function subscribe(cb: () => void): () => void {
  listeners.add(cb);
  const mq = media();
  mq.addEventListener("change", cb);
  return () => {
    listeners.delete(cb);
    mq.removeEventListener("change", cb);
  };
}

const snapshot = () => `${readPreference()}:${media().matches ? "light" : "dark"}`;

export function useTheme(): { preference: ThemePreference; theme: Theme; setPreference: (p: ThemePreference) => void } {
  const [preference, system] = useSyncExternalStore(subscribe, snapshot).split(":") as [ThemePreference, Theme];
  const theme = resolveTheme(preference, system === "light");
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const setPreference = (p: ThemePreference) => {
    if (p === "system") window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, p);
    for (const l of listeners) l();
  };
  return { preference, theme, setPreference };
}

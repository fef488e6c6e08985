// The view (URL hash) a project was last shown at, kept by the host with the
// recent projects: a relaunch, which opens the Studio with no hash, comes
// back to the page, thread, tab and checkpoint the user left. A URL that
// names a view (a deep link, a reload) wins over the remembered one.
import { useEffect, useRef } from "react";
import { useHost } from "../host/host-context.tsx";

const isView = (hash: string) => hash.startsWith("#/") && hash.length > 2;

export function useRememberedView(projectDir: string | undefined): void {
  const host = useHost();
  const restored = useRef(false);

  useEffect(() => {
    // Once, at launch: opening another project later clears the view on purpose (App).
    if (!projectDir || restored.current) return;
    restored.current = true;
    if (isView(window.location.hash)) return;
    host
      .getRecentProjects()
      .then((recent) => {
        const view = recent.find((p) => p.dir === projectDir)?.lastView;
        // The user may have moved on while the host answered.
        if (view && !isView(window.location.hash)) window.location.replace(view);
      })
      // Nothing remembered is no worse than a fresh launch; say why in the console.
      .catch((err: unknown) => console.warn("Skeino: could not read the last view", err));
  }, [projectDir, host]);

  useEffect(() => {
    if (!projectDir) return;
    // Only on a change: when the project switches, the hash still names the old one's view until App clears it.
    const save = () => {
      if (isView(window.location.hash))
        host.rememberView(window.location.hash).catch((err: unknown) => console.warn("Skeino: could not keep the view", err));
    };
    window.addEventListener("hashchange", save);
    return () => window.removeEventListener("hashchange", save);
  }, [projectDir, host]);
}

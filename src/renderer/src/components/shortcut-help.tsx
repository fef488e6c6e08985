// Binds the keyboard shortcuts (lib/shortcuts.ts) and shows their help overlay on "?".
import { useEffect, useState } from "react";
import { useRoute } from "../lib/route.ts";
import { matchShortcut, SHORTCUTS, type ShortcutAction } from "../lib/shortcuts.ts";

function isField(el: EventTarget | null): boolean {
  return el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

function buttonNamed(name: string): HTMLButtonElement | undefined {
  return [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === name && !b.disabled);
}

export function Shortcuts() {
  const [open, setOpen] = useState(false);
  const [route, navigate] = useRoute();

  useEffect(() => {
    const perform = (a: ShortcutAction): boolean => {
      switch (a.kind) {
        case "help":
          setOpen((o) => !o);
          return true;
        case "click": {
          const b = buttonNamed(a.button);
          b?.click();
          return !!b;
        }
        case "focus": {
          const el = a.labels.map((l) => document.querySelector<HTMLElement>(`[aria-label="${l}"]`)).find(Boolean);
          el?.focus();
          return !!el;
        }
        case "page":
          navigate(a.page === "memory" ? { page: "memory", namespace: [] } : { page: a.page });
          return true;
        case "tab":
          if (!route.threadId) return false;
          navigate({ tab: a.tab });
          return true;
      }
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && open) {
        setOpen(false);
        return;
      }
      // A dialog (settings, durability report) owns the keyboard while it is open.
      if (document.querySelector('[role="dialog"][aria-modal="true"]') && !open) return;
      const s = matchShortcut(e, isField(e.target));
      if (s && perform(s.action)) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open, route.threadId, navigate]);

  if (!open) return null;
  return (
    <div className="modal-backdrop" onClick={() => setOpen(false)}>
      <div className="modal" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="btn ghost" aria-label="Close shortcuts" onClick={() => setOpen(false)}>
            ✕
          </button>
        </div>
        <table className="grid" aria-label="Shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

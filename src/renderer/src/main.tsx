import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./components/app.tsx";
import { HostProvider, resolveHost } from "./host/host-context.tsx";
import { applyTheme } from "./lib/theme.ts";
import "./styles.css";

// Before the first paint, so a light system does not flash the dark palette.
applyTheme();

const queryClient = new QueryClient({
  defaultOptions: {
    // Data changes only through this UI or a run we stream, and both invalidate; no polling.
    queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: true },
  },
});

const host = resolveHost();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <HostProvider host={host}>
        <App />
      </HostProvider>
    </QueryClientProvider>
  </StrictMode>,
);

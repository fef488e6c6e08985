// skeino's read-outs the SDK has no call for: a cron's firings, a schedule's
// next due times, a thread's expiry. Errors carry the server's message (a 422 names the field).
export interface CronFiring {
  cron_id: string;
  due_at: string;
  status: "claimed" | "started" | "failed";
  run_id: string | null;
  thread_id: string | null;
  error: string | null;
}

async function request<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export function fetchFirings(apiUrl: string, cronId: string, signal?: AbortSignal): Promise<CronFiring[]> {
  return request(`${apiUrl}/runs/crons/${encodeURIComponent(cronId)}/firings?limit=20`, { signal });
}

export async function previewSchedule(apiUrl: string, schedule: string, timezone: string, signal?: AbortSignal): Promise<string[]> {
  const body = JSON.stringify({ schedule, timezone: timezone || null, count: 5 });
  const out = await request<{ next_run_dates: string[] }>(`${apiUrl}/runs/crons/preview`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal,
  });
  return out.next_run_dates;
}

export interface ThreadExpiry {
  strategy: "delete" | "keep_latest";
  ttl_minutes: number;
  expires_at: string;
}

/** null: the thread never expires. */
export function fetchThreadExpiry(apiUrl: string, threadId: string, signal?: AbortSignal): Promise<ThreadExpiry | null> {
  return request(`${apiUrl}/threads/${encodeURIComponent(threadId)}/ttl`, { signal });
}

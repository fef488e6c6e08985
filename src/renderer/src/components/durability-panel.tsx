// "Restart and verify durability": snapshot every thread, restart (graceful or
// kill), wait for a new boot_id, compare. Shows progress, then a report with
// the verdict, the explanation, timings and one row per thread.
import type { DurabilityReport, RestartMode } from "../../../shared/host-api.ts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { useHost, useLive, useServerStatus } from "../host/host-context.tsx";
import { duration, errorMessage, shortId, tailId } from "../lib/format.ts";
import { hostKeys } from "../lib/query-keys.ts";
import { useEscape } from "../lib/use-escape.ts";

export function DurabilityPanel() {
  const host = useHost();
  const { progress } = useLive();
  const serverReady = useServerStatus()?.state === "ready";
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<RestartMode>("graceful");
  const [open, setOpen] = useState(false);
  const verify = useMutation({
    mutationFn: (m: RestartMode) => host.verifyDurability(m),
    onMutate: () => setOpen(true),
    onSettled: async () => {
      // A new server process: every server query re-keys on the new boot id.
      await queryClient.invalidateQueries({ queryKey: hostKeys.status() });
    },
  });

  // While a verification runs the report stays open.
  const close = useCallback(() => setOpen(false), []);
  useEscape(close, open && !verify.isPending);

  return (
    <>
      <div className="durability-controls">
        <select aria-label="Restart mode" value={mode} onChange={(e) => setMode(e.target.value as RestartMode)}>
          <option value="graceful">Graceful (SIGTERM)</option>
          <option value="kill">Kill (SIGKILL)</option>
        </select>
        <button type="button" className="btn accent" disabled={verify.isPending || !serverReady} onClick={() => verify.mutate(mode)}>
          Restart and verify durability
        </button>
      </div>
      {open && (
        <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !verify.isPending && setOpen(false)}>
          <div className="modal wide" role="dialog" aria-modal="true" aria-label="Durability report">
            <div className="modal-head">
              <h2>Durability check · {verify.variables === "kill" ? "kill" : "graceful"} restart</h2>
              <button type="button" className="btn ghost" aria-label="Close report" disabled={verify.isPending} onClick={() => setOpen(false)}>
                ✕
              </button>
            </div>
            {verify.isPending && (
              <div className="progress" role="status" aria-label="Durability progress">
                <span className="spinner" aria-hidden />
                <span>{progress?.message ?? "Starting…"}</span>
                {progress && progress.total > 0 && <progress max={progress.total} value={progress.done} aria-label={`${progress.phase} progress`} />}
              </div>
            )}
            {verify.error && (
              <p role="alert" className="error-text">
                {errorMessage(verify.error)}
              </p>
            )}
            {verify.data && <Report report={verify.data} />}
          </div>
        </div>
      )}
    </>
  );
}

function Report({ report }: { report: DurabilityReport }) {
  const good = report.verdict === "survived";
  const expectedLoss = report.scheme === "memory" && report.verdict !== "survived";
  return (
    <div className="report">
      <div className={`verdict verdict-${report.verdict}${expectedLoss ? " expected" : ""}`} role="status" aria-label="Verdict">
        <span className="verdict-icon" aria-hidden>
          {good ? "✓" : report.verdict === "failed" ? "✕" : expectedLoss ? "ℹ" : "!"}
        </span>
        <span>{report.summary}</span>
      </div>
      {report.explanation && <p className="explanation">{report.explanation}</p>}
      <div className="report-meta">
        <span>
          scheme <strong>{report.scheme ?? "—"}</strong>
        </span>
        <span>
          boot <code>{shortId(report.bootIdBefore)}</code> → <code>{shortId(report.bootIdAfter)}</code>
        </span>
        <span>snapshot {duration(report.timings.snapshotMs)}</span>
        <span>restart {duration(report.timings.restartMs)}</span>
        <span>compare {duration(report.timings.compareMs)}</span>
        <span>
          total <strong>{duration(report.timings.totalMs)}</strong>
        </span>
      </div>
      <div className="counts">
        <span className="count survived">{report.counts.survived} survived</span>
        <span className="count changed">{report.counts.changed} changed</span>
        <span className="count lost">{report.counts.lost} lost</span>
      </div>
      {report.threads.length > 0 && (
        <table className="grid" aria-label="Threads after restart">
          <thead>
            <tr>
              <th>Thread</th>
              <th>Outcome</th>
              <th>Checkpoint before</th>
              <th>Checkpoint after</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {report.threads.map((t) => (
              <tr key={t.threadId}>
                <td>
                  <code title={t.threadId}>{tailId(t.threadId)}</code>
                </td>
                <td>
                  <span className={`badge outcome-${t.outcome}`}>{t.outcome}</span>
                </td>
                <td>
                  <code>{shortId(t.checkpointBefore, 13)}</code>
                </td>
                <td>
                  <code>{shortId(t.checkpointAfter, 13)}</code>
                </td>
                <td className="muted">{t.detail ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

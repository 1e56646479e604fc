/** A backfill's progress, as the API answers it and as the dashboard shows it. */
export interface BackfillStatus {
  backfill_id: string;
  segments: number;
  finished: number;
  status: 'running' | 'completed';
}

/** `streams/{id}/backfills/{backfill_id}` as functions/backfill.py records it: `pending`
 *  holds the segments not yet re-analysed and shrinks as each one finishes. */
export interface BackfillRecord {
  segments?: number;
  pending?: Record<string, unknown> | null;
}

/** The progress a backfill record stands for (the same reading as the API's status). */
export function backfillStatus(backfillId: string, record: BackfillRecord): BackfillStatus {
  const segments = record.segments ?? 0;
  const remaining = Object.keys(record.pending ?? {}).length;
  return {
    backfill_id: backfillId,
    segments,
    finished: segments - remaining,
    status: remaining === 0 ? 'completed' : 'running',
  };
}

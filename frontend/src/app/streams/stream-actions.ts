import { Injectable, inject } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { ApiService, CreatedStream } from '../core/api.service';
import { StreamDoc } from '../core/models';
import { StreamsService } from '../core/streams.service';
import { confirmAction } from '../ui/confirm-dialog.component';
import { deleteConfirmation, rotateConfirmation } from './confirmations';

export { displayName } from './confirmations';

/** The destructive stream actions (admin), each behind a confirmation naming the stream. */
@Injectable({ providedIn: 'root' })
export class StreamActions {
  private readonly api = inject(ApiService);
  private readonly dialog = inject(MatDialog);
  private readonly streams = inject(StreamsService);

  /** The new OBS settings (also kept in StreamsService.issued), or null if cancelled. */
  async rotate(stream: StreamDoc): Promise<CreatedStream | null> {
    if (!(await confirmAction(this.dialog, rotateConfirmation(stream)))) return null;
    const issued = await this.api.rotateKey(stream.id);
    this.streams.issued.set(issued);
    return issued;
  }

  /** True when deleted. */
  async remove(stream: StreamDoc): Promise<boolean> {
    if (!(await confirmAction(this.dialog, deleteConfirmation(stream)))) return false;
    await this.api.deleteStream(stream.id);
    return true;
  }
}

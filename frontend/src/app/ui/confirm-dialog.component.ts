import { Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialog, MatDialogModule } from '@angular/material/dialog';
import { firstValueFrom } from 'rxjs';
import { ConfirmData, typedConfirms } from './confirm';

export type { ConfirmData } from './confirm';

/** A confirmation for a destructive action that names what it acts on. */
@Component({
  selector: 'ma-confirm-dialog',
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <mat-dialog-content>
      <p data-testid="confirm-message">{{ data.message }}</p>
      @if (data.typeToConfirm !== undefined) {
        <label class="type"><span>Type <b>{{ data.typeToConfirm }}</b> to confirm</span>
          <input #typed type="text" (input)="typedText.set(typed.value)" data-testid="confirm-input" autocomplete="off"
                 [attr.aria-label]="'Type ' + data.typeToConfirm + ' to confirm'" /></label>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button [mat-dialog-close]="false">Cancel</button>
      <button mat-flat-button class="danger" [disabled]="!ok()" [mat-dialog-close]="true" data-testid="confirm-button">
        {{ data.confirmLabel }}</button>
    </mat-dialog-actions>
  `,
  styles: `
    .type { display: flex; flex-direction: column; gap: var(--ma-space-1); margin-top: var(--ma-space-3); }
    .type input { padding: 8px; font-size: var(--ma-text-md); }
    .danger:not([disabled]) { background: var(--ma-error); color: #fff; }
  `,
})
export class ConfirmDialogComponent {
  protected readonly data = inject<ConfirmData>(MAT_DIALOG_DATA);
  readonly typedText = signal('');
  readonly ok = computed(() => typedConfirms(this.typedText(), this.data.typeToConfirm));
}

/** Opens the confirmation; true when confirmed. */
export function confirmAction(dialog: MatDialog, data: ConfirmData): Promise<boolean> {
  const ref = dialog.open<ConfirmDialogComponent, ConfirmData, boolean>(ConfirmDialogComponent, {
    data,
    width: '440px',
    maxWidth: '94vw',
    autoFocus: data.typeToConfirm !== undefined ? 'input' : 'first-tabbable',
  });
  return firstValueFrom(ref.afterClosed()).then((confirmed) => confirmed === true);
}

import { StreamDoc } from '../core/models';
import { ConfirmData } from '../ui/confirm';

/** What the destructive stream actions ask, naming the stream (pure: unit-tested). */
export function displayName(stream: Pick<StreamDoc, 'id' | 'name'>): string {
  return stream.name || stream.id;
}

export function rotateConfirmation(stream: Pick<StreamDoc, 'id' | 'name' | 'status'>): ConfirmData {
  const name = displayName(stream);
  return {
    title: `Rotate the stream key of “${name}”?`,
    message:
      `A new key is issued for “${name}” and the current one stops working` +
      (stream.status === 'live' ? ': OBS, publishing now, is disconnected until you paste the new key.' : '. Paste the new key into OBS.'),
    confirmLabel: 'Rotate key',
  };
}

export function deleteConfirmation(stream: Pick<StreamDoc, 'id' | 'name'>): ConfirmData {
  const name = displayName(stream);
  return {
    title: `Delete “${name}”?`,
    message: `“${name}” is deleted with its key, its recording and every result. This cannot be undone.`,
    confirmLabel: 'Delete stream',
    typeToConfirm: name,
  };
}

/** Saves a Blob as a file through a temporary link (the API's CSV routes need the user's
 *  credential, so the file is fetched first; a plain link could not send it). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click is handled; free it a little later.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

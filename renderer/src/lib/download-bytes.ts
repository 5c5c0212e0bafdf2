// Saves bytes made in the page (a .mid, a samples .txt) as a file through a
// temporary Blob URL and an <a download>: a browser's download; Electron's
// default for a download it is not told where to put is its save dialog.

export function downloadBytes(bytes: BlobPart, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has read the URL once click() returns in Chromium; revoke a little later for slower shells.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

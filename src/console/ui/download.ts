// Saves what the hub returned (CSV text, a base64 PDF) as a file, without sending it anywhere.
export function downloadText(filename: string, text: string, type: string): void {
  save(filename, new Blob([text], { type }));
}

export function downloadBase64(filename: string, base64: string, type: string): void {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  save(filename, new Blob([bytes], { type }));
}

function save(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Give the browser a moment to start the download before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

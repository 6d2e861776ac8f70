/**
 * Which file contents are not worth deflating: already-compressed formats, by extension, as
 * Duplicati's `default_compressed_extensions.txt` does. Their blocks are stored as-is, which saves
 * the CPU a failed deflate attempt would cost.
 */

const COMPRESSED = new Set(
  (
    "7z ace apk arc arj avi avif bz2 cab cbr cbz deb dmg docx dotx epub flac flv gif gz heic heif " +
    "jar jpeg jpg jxl lz lz4 lzh lzma lzo m2ts m4a m4v mkv mov mp2 mp3 mp4 mpeg mpg msi nupkg odg " +
    "odp ods odt ogg ogv opus pptx png potx qt rar rpm sitx tbz tbz2 tgz tlz txz vob webm webp wma " +
    "wmv xlsx xltx xpi xz z zip zipx zst zstd aes gpg par2 woff woff2 br"
  ).split(" "),
);

/** True when a file with this name should be stored without compression. */
export function isIncompressibleName(path: string): boolean {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return false;
  return COMPRESSED.has(path.slice(dot + 1).toLowerCase());
}

namespace V2V.Guest.Ntfs;

/// <summary>
/// One name in a directory, as its $I30 index holds it. <see cref="Size"/> and
/// <see cref="LastWriteUtc"/> come from the index copy of $FILE_NAME, which Windows updates
/// lazily (WINDOWS.md §8); <see cref="NtfsVolume.OpenFile"/> gives the exact length.
/// </summary>
public sealed record NtfsDirectoryEntry(string Name, long RecordNumber, bool IsDirectory, long Size, uint FileAttributes, FileNameNamespace Namespace, DateTime LastWriteUtc);

using System.Text.Json.Serialization;

namespace V2V.Guest.Fixups;

/// <summary>
/// What the fixups did to one disk, written beside the target as <c>TARGET.fixups.json</c>: each
/// fixup's outcome, every registry value changed (old and new type and data, hex; null = absent),
/// every key created, every file rewritten, and every byte range of the disk changed with its
/// original bytes (base64), from which <see cref="FixupUndo"/> restores the disk exactly.
/// </summary>
public sealed record FixupJournal(
    int Version,
    long VolumeOffset,
    IReadOnlyList<FixupOutcome> Fixups,
    IReadOnlyList<RegistryChange> Registry,
    IReadOnlyList<string> CreatedKeys,
    IReadOnlyList<FileChange> Files,
    IReadOnlyList<DiskChange> Disk)
{
    public const int CurrentVersion = 1;

    /// <summary>Content digest of the disk before the fixups (the source's, <c>NAME:HEX</c>); what undo must give back. Null when not known.</summary>
    public string? SourceDigest { get; init; }

    /// <summary>Content digest of the fixed disk (<c>NAME:HEX</c>). Null when not known.</summary>
    public string? OutputDigest { get; init; }

    /// <summary>
    /// Bytes of the source the digests cover, when a target's capacity was rounded up past it (a
    /// fixed VHD is a whole MiB); null means the target's own capacity.
    /// </summary>
    public long? SourceCapacity { get; init; }
}

/// <summary>One fixup by name: <c>applied</c>, <c>not-needed</c>, <c>skipped</c> (by the user) or <c>not-applied</c> (with the reason).</summary>
public sealed record FixupOutcome(string Name, string Status, IReadOnlyList<string> Details);

/// <summary>A value of the hive <paramref name="Hive"/> (path in the volume) under <paramref name="Key"/>; type names as regedit spells them (REG_DWORD...).</summary>
public sealed record RegistryChange(string Hive, string Key, string Value, string? OldType, string? OldData, string? NewType, string? NewData);

/// <summary>A file of the volume rewritten, with its lengths before and after.</summary>
public sealed record FileChange(string Path, long OldLength, long NewLength);

/// <summary>A byte range of the disk changed: <paramref name="Length"/> bytes at <paramref name="Offset"/>, and what they were (base64).</summary>
public sealed record DiskChange(long Offset, long Length, string Original);

/// <summary>Source-generated JSON for the journal (no reflection: the executable is trimmed and AOT-compiled).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower)]
[JsonSerializable(typeof(FixupJournal))]
public sealed partial class FixupJournalJson : JsonSerializerContext;

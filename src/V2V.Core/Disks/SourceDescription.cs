namespace V2V.Core.Disks;

/// <summary>What <c>v2v info</c> reports about a disk source.</summary>
/// <param name="Format">Container format name, e.g. "vhdx", "raw".</param>
/// <param name="Subformat">e.g. "dynamic", "fixed", "streamOptimized"; null when the format has none.</param>
/// <param name="Chain">Files making up the disk, the opened file first, then parents.</param>
/// <param name="Properties">Format-specific facts (block size, creator, adapter type, ...), in display order.</param>
public sealed record SourceDescription(
    string Format,
    string? Subformat,
    IReadOnlyList<string> Chain,
    IReadOnlyList<KeyValuePair<string, string>> Properties);

namespace V2V.Core.Formats;

/// <summary>What the user asked a target to be.</summary>
/// <param name="Path">Final path (for messages).</param>
/// <param name="Capacity">Source capacity in bytes; a format may round it up.</param>
/// <param name="Subformat">Requested subformat, or null for the format's default.</param>
/// <param name="BlockSize">Requested block size in bytes, or null for the format's default.</param>
/// <param name="LogicalSectorSize">Logical sector size in bytes (512 or 4096).</param>
public sealed record TargetRequest(string Path, long Capacity, string? Subformat, long? BlockSize, int LogicalSectorSize);

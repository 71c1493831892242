using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>A target that was written, verified if asked, and renamed into place.</summary>
/// <param name="Path">The final full path (where the target is once the conversion commits).</param>
/// <param name="Subformat">The subformat written: the one asked for, or the format's default (null when the format has none).</param>
/// <param name="Capacity">The target's virtual size in bytes (at least the source's; see <paramref name="Notes"/>).</param>
/// <param name="FileLength">The target file's length in bytes.</param>
/// <param name="VerifiedDigest">The digest read back from the target (equal to <see cref="Digest"/>), or null when it was not verified.</param>
/// <param name="Notes">Things the user should know, e.g. that the capacity was rounded up.</param>
public sealed record TargetOutcome(string Path, string Format, string? Subformat, long Capacity, long FileLength, string? VerifiedDigest, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The content digest of what the target holds (over the source's capacity): the source's
    /// digest unless the guest stage changed it. Empty only for a target made outside a conversion.
    /// </summary>
    public string Digest { get; init; } = "";

    /// <summary>What the guest stage did (verdict, fixup outcomes, journal files); null when it did not run on this target.</summary>
    public GuestStageReport? Guest { get; init; }

    /// <summary>A finished target of <paramref name="plan"/>, before it is renamed to <paramref name="finalPath"/>.</summary>
    public static TargetOutcome Written(TargetPlan plan, string finalPath, long sourceCapacity, long targetCapacity, long fileLength, string? verifiedDigest)
    {
        var notes = new List<string>();
        if (targetCapacity != sourceCapacity)
        {
            notes.Add($"capacity rounded up from {sourceCapacity} to {targetCapacity} bytes (the added bytes read as zero)");
        }

        string? subformat = plan.Request.Subformat ?? (plan.Format.Subformats.Count > 0 ? plan.Format.Subformats[0] : null);
        return new TargetOutcome(finalPath, plan.Format.Name, subformat, targetCapacity, fileLength, verifiedDigest, notes);
    }
}

/// <summary>The result of one conversion: the source's digest and every target, in the order they were asked for.</summary>
/// <param name="Source">The source's name (a path, or a package member's name).</param>
/// <param name="SourceCapacity">The source's virtual size in bytes.</param>
public sealed record ConversionOutcome(string Source, long SourceCapacity, PipelineResult Copy, IReadOnlyList<TargetOutcome> Targets)
{
    /// <summary>True when every target was read back and matched its own digest (<see cref="TargetOutcome.Digest"/>).</summary>
    public bool AllVerified => Targets.All(t => t.VerifiedDigest is not null);
}

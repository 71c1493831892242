namespace V2V.Core.Conversion;

/// <summary>
/// The post-copy guest stage (set on <see cref="ConversionOptions.Guest"/>; implemented in
/// V2V.Guest): after the pipeline copied a disk and before a target is completed, it may read the
/// partial target back and change it (the Windows fixups for Hyper-V). It runs for every kind of
/// source (files, packages in place, streams), on each target it <see cref="AppliesTo"/>.
/// </summary>
public interface IGuestStage
{
    /// <summary>
    /// Whether the stage runs on <paramref name="plan"/>'s target; <paramref name="canReadBack"/>
    /// says whether the format can be read back and written out of order. Called before any data
    /// moves; throws <see cref="Errors.UsageException"/> to refuse the target.
    /// </summary>
    bool AppliesTo(TargetPlan plan, bool canReadBack);

    /// <summary>
    /// Inspects and possibly changes one partial target through <paramref name="target"/>; may write
    /// more partial outputs (journals) into <see cref="GuestStageTarget.Outputs"/>.
    /// </summary>
    /// <exception cref="Errors.GuestFixupException">A required change could not be made: the conversion fails, nothing is written.</exception>
    GuestStageReport Run(GuestStageTarget target, CancellationToken cancellationToken);
}

/// <summary>What the stage did to one target.</summary>
/// <param name="Lines">Short lines for the user (the verdict, each fixup's outcome), in order.</param>
/// <param name="Files">Final paths of the extra outputs it wrote beside the target (journals).</param>
/// <param name="Warnings">Problems that did not fail the conversion.</param>
public sealed record GuestStageReport(IReadOnlyList<string> Lines, IReadOnlyList<string> Files, IReadOnlyList<string> Warnings)
{
    public static GuestStageReport None { get; } = new([], [], []);
}

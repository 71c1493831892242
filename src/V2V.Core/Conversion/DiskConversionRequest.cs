using V2V.Core.Disks;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>
/// What <see cref="DiskConverter.ConvertAsync"/> does: one disk into its targets, put in place
/// together at the end (or nothing is left).
/// </summary>
/// <param name="Source">The disk to read; its <see cref="IDiskSource.Files"/> join <see cref="Read"/>.</param>
/// <param name="Targets">Every output, at least one, each named once.</param>
/// <param name="Formats">The registry that reads finished targets back when <see cref="ConversionOptions.Verify"/> is set.</param>
public sealed record DiskConversionRequest(IDiskSource Source, IReadOnlyList<TargetPlan> Targets, FormatRegistry Formats)
{
    /// <summary>Replace targets that exist (never a file the run reads).</summary>
    public bool Overwrite { get; init; }

    public ConversionOptions Options { get; init; } = ConversionOptions.Default;

    /// <summary>Every file the run reads (a job file's); null for just the source's own files. No target may be one of them.</summary>
    public FilesRead? Read { get; init; }
}

/// <summary>
/// What <see cref="DiskConverter.ConvertIntoAsync"/> does: one disk, fed by any producer (a VM
/// package's member, a disk file), into partial files of <paramref name="Outputs"/>; the caller
/// commits the set once every disk is done. The files the producer reads must already be in
/// the set's <see cref="OutputSet.Read"/>.
/// </summary>
/// <param name="SourceName">How the disk is named in the outcome and in messages.</param>
public sealed record DiskFeedRequest(IChunkProducer Producer, string SourceName, IReadOnlyList<TargetPlan> Targets, OutputSet Outputs, FormatRegistry Formats, ConversionOptions Options);

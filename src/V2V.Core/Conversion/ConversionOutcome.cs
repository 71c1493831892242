using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>A target that was written, verified if asked, and renamed into place.</summary>
/// <param name="Notes">Things the user should know, e.g. that the capacity was rounded up.</param>
public sealed record TargetOutcome(string Path, string Format, string? Subformat, long Capacity, long FileLength, string? VerifiedDigest, IReadOnlyList<string> Notes);

/// <summary>The result of one conversion: the source's digest and every target.</summary>
public sealed record ConversionOutcome(string Source, long SourceCapacity, PipelineResult Copy, IReadOnlyList<TargetOutcome> Targets);

using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>How a conversion runs.</summary>
/// <param name="Verify">Re-read every finished target through V2V's own reader and compare digests before it is renamed into place.</param>
/// <param name="Durable">Flush every target to stable storage before renaming it into place (fsync).</param>
public sealed record ConversionOptions(bool Verify, bool Durable, PipelineOptions Pipeline)
{
    public static ConversionOptions Default { get; } = new(Verify: false, Durable: true, new PipelineOptions());

    /// <summary>The post-copy guest stage (the Windows fixups), run on each target it applies to; null for none.</summary>
    public IGuestStage? Guest { get; init; }
}

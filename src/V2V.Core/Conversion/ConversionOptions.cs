using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>How a conversion runs.</summary>
/// <param name="Verify">Re-read every finished target through V2V's own reader and compare digests before it is renamed into place.</param>
public sealed record ConversionOptions(bool Verify, PipelineOptions Pipeline)
{
    public static ConversionOptions Default { get; } = new(false, new PipelineOptions());
}

using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

public enum ConversionPhase
{
    Copying,
    Verifying,
}

/// <summary>A progress report of a conversion: the phase, the target being verified (if any) and how far it is.</summary>
public readonly record struct ConversionProgress(ConversionPhase Phase, string? Target, PipelineProgress Pipeline);

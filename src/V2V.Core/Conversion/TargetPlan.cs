using V2V.Core.Formats;

namespace V2V.Core.Conversion;

/// <summary>One output of a conversion: which format, and what the user asked of it.</summary>
public sealed record TargetPlan(ITargetFormat Format, TargetRequest Request);

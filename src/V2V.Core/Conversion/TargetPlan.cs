using V2V.Core.Formats;

namespace V2V.Core.Conversion;

/// <summary>One output of a conversion: which format, what the user asked of it, and whether it may replace a file.</summary>
public sealed record TargetPlan(ITargetFormat Format, TargetRequest Request, bool Overwrite);

namespace V2V.Core.Formats;

/// <summary>How far an opened source may trust what it reads.</summary>
public sealed record SourceOptions
{
    /// <summary>Let descriptors and locators name files outside their own folder (off by default).</summary>
    public bool AllowExternalFiles { get; init; }

    public static SourceOptions Default { get; } = new();
}

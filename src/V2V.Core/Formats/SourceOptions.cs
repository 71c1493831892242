namespace V2V.Core.Formats;

/// <summary>How far an opened source may trust what it reads.</summary>
public sealed record SourceOptions
{
    /// <summary>Let descriptors and locators name files outside their own folder (off by default).</summary>
    public bool AllowExternalFiles { get; init; }

    /// <summary>
    /// OVA packages: do not hash the members against the package's manifest (ovftool's
    /// --skipManifestCheck), for storage the administrator trusts. Off by default. The content
    /// digest still proves that the outputs hold what was read, not that it is what was packed.
    /// </summary>
    public bool SkipManifestCheck { get; init; }

    /// <summary>The one source format with a manifest to skip: the OVA format's name.</summary>
    public const string ManifestFormat = "ova";

    public static SourceOptions Default { get; } = new();
}

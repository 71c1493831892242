namespace V2V.Core.Conversion;

/// <summary>When the guest fixups run (<c>--fixups</c>, YAML <c>guest: { fixups: }</c>).</summary>
public enum FixupMode
{
    /// <summary>On VHDX and VHD targets whose inspection found Windows; problems are warnings.</summary>
    Auto,

    /// <summary>On every target (a format that cannot be read back is refused); a needed fixup not applied fails the conversion (exit 4).</summary>
    On,

    /// <summary>Never: every target keeps the source's bytes.</summary>
    Off,
}

/// <summary>
/// What the user asked of the guest stage, as the CLI and job files give it; V2V.Guest turns it
/// into the <see cref="IGuestStage"/> (checking the names).
/// </summary>
/// <param name="Skip">Fixups not to apply, by name (ide-boot, scsi-boot, ...).</param>
/// <param name="DisableServices">More services to set to Start=4 (disabled).</param>
public sealed record FixupRequest(FixupMode Mode, IReadOnlyList<string> Skip, IReadOnlyList<string> DisableServices)
{
    public static FixupRequest Default { get; } = new(FixupMode.Auto, [], []);

    /// <summary>"auto", "on" or "off" as a mode; null for anything else.</summary>
    public static FixupMode? ParseMode(string text) => text switch
    {
        "auto" => FixupMode.Auto,
        "on" => FixupMode.On,
        "off" => FixupMode.Off,
        _ => null,
    };
}

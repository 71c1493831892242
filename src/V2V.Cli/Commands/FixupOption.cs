using System.CommandLine;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Guest.Fixups;

namespace V2V.Cli.Commands;

/// <summary><c>--fixups on|off|auto</c>, <c>--skip-fixup NAME</c> and <c>--disable-service NAME</c> of convert (and <c>fix</c>).</summary>
internal static class FixupOption
{
    public static Option<string?> CreateMode() => new("--fixups")
    {
        Description = "Windows fixups for Hyper-V: auto (default: VHDX/VHD targets holding Windows), on (every target; fail when a needed fixup cannot be applied, exit 4) or off",
    };

    public static Option<string[]> CreateSkip() => new("--skip-fixup")
    {
        Description = $"Do not apply this fixup ({string.Join(", ", FixupNames.All)}; repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string[]> CreateDisableService() => new("--disable-service")
    {
        Description = "Also disable this Windows service or driver (Start=4) when fixing (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>What the options ask for.</summary>
    public static FixupRequest Request(ParseResult parse, Option<string?> mode, Option<string[]> skip, Option<string[]> disable)
    {
        string text = parse.GetValue(mode) ?? "auto";
        var parsed = FixupRequest.ParseMode(text) ?? throw new UsageException($"--fixups {text}: write on, off or auto");
        return new FixupRequest(parsed, parse.GetValue(skip) ?? [], parse.GetValue(disable) ?? []);
    }

    /// <summary>The guest stage the options ask for; null with --fixups off.</summary>
    public static IGuestStage? Stage(ParseResult parse, Option<string?> mode, Option<string[]> skip, Option<string[]> disable) =>
        FixupStage.From(Request(parse, mode, skip, disable), "--skip-fixup");

    /// <summary>Prints what the guest stage did to one target: its lines, then its warnings.</summary>
    public static void Print(TextWriter output, TargetOutcome target)
    {
        if (target.Guest is not { } guest)
        {
            return;
        }

        foreach (string line in guest.Lines)
        {
            output.WriteLine(Core.Printable.Line($"  guest     {line}"));
        }

        foreach (string warning in guest.Warnings)
        {
            output.WriteLine(Core.Printable.Line($"  warning   {warning}"));
        }
    }
}

using System.CommandLine;
using System.Globalization;
using V2V.Core;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.Cli.Commands;

/// <summary><c>v2v convert DISK TARGET</c>: one disk (image file or block device) into one image.</summary>
internal static class ConvertDiskVerb
{
    public static async Task<int> RunAsync(CliContext context, ParseResult parse, ConvertOptions o, ConvertRun run)
    {
        var format = parse.GetValue(o.To) is { } name
            ? context.Registry.Target(name)
            : context.Registry.TargetForPath(run.Target)
              ?? throw new UsageException($"{run.Target}: cannot tell the target format from the name; add --to vhdx (or raw)");

        using var disk = context.Registry.Open(run.Source, run.SourceOptions);
        var target = new TargetRequest(run.Target, disk.Capacity, parse.GetValue(o.Subformat), run.BlockSize, parse.GetValue(o.SectorSize) ?? disk.LogicalSectorSize);
        var request = new DiskConversionRequest(disk, [new TargetPlan(format, target)], context.Registry)
        {
            Overwrite = parse.GetValue(o.Force),
            Options = run.Options,
        };

        var outcome = await ProgressDisplay.RunAsync(run.ShowProgress,
            progress => DiskConverter.ConvertAsync(request, progress, context.Cancellation)).ConfigureAwait(false);

        if (parse.GetValue(o.Json))
        {
            JsonOutput.Write(context.Out, ToJson(outcome));
        }
        else
        {
            PrintText(context.Out, outcome);
        }

        return 0;
    }

    private static DiskConvertReport ToJson(ConversionOutcome outcome) => new(
        outcome.Source,
        outcome.SourceCapacity,
        outcome.Copy.Digest,
        outcome.Copy.DataBytesRead,
        outcome.Copy.ZeroBytesDropped,
        Math.Round(outcome.Copy.Elapsed.TotalSeconds, 3),
        [.. outcome.Targets.Select(t => new DiskConvertReportTarget(t.Path, t.Format, t.Subformat, t.Capacity, t.FileLength, t.VerifiedDigest is not null, t.Notes,
            t.Digest, t.Guest?.Lines, t.Guest is { Files.Count: > 0 } g ? g.Files : null, t.Guest is { Warnings.Count: > 0 } w ? w.Warnings : null))]);

    private static void PrintText(TextWriter output, ConversionOutcome outcome)
    {
        var copy = outcome.Copy;
        double seconds = Math.Max(copy.Elapsed.TotalSeconds, 0.001);
        foreach (var t in outcome.Targets)
        {
            output.WriteLine($"converted {outcome.Source} -> {t.Path}");
            output.WriteLine($"  format    {t.Format}{(t.Subformat is null ? "" : $" ({t.Subformat})")}, capacity {ByteSize.Format(t.Capacity)}, file {ByteSize.Format(t.FileLength)}");
            foreach (var note in t.Notes)
            {
                output.WriteLine($"  note      {note}");
            }

            FixupOption.Print(output, t);
            output.WriteLine($"  verified  {(t.VerifiedDigest is null ? "no (use --verify)" : "yes, digest matches")}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  read      {ByteSize.Format(copy.DataBytesRead)} in {seconds:0.00} s ({ByteSize.Format((long)(copy.DataBytesRead / seconds))}/s), {ByteSize.Format(copy.ZeroBytesDropped)} of it zero"));
        output.WriteLine($"  digest    {copy.Digest}");
        foreach (var t in outcome.Targets.Where(t => t.Digest != copy.Digest))
        {
            output.WriteLine($"  output    {t.Digest} (after the Windows fixups; the source's is the digest above)");
        }
    }
}

using System.CommandLine;
using V2V.Core.Errors;
using V2V.Core;
using V2V.Core.Formats;
using V2V.Core.Pipeline;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v check IMAGE</c>: structural check; exit 0 when clean, 1 when problems were found. A VM
/// package (OVA, OVF, VMX, XVA) is checked whole: its structure, its manifest and chunk checksums,
/// and every disk read to its end, as a conversion would read it, with nothing written.
/// </summary>
public static class CheckCommand
{
    public static Command Build(CliContext context)
    {
        var image = new Argument<string>("IMAGE") { Description = "Image file to check" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("check", "Check an image's structure") { image, json };

        command.SetAction(async (parse, _) =>
        {
            string path = parse.GetValue(image)!;
            var (format, findings) = context.Registry.DetectVmSourceFile(path) is { } package
                ? await CheckPackageAsync(context, package, path).ConfigureAwait(false)
                : Check(context.Registry, path);
            bool clean = findings.All(f => f.Severity != CheckSeverity.Problem);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(context.Out, new CheckReport(path, format, clean, [.. findings.Select(f => new CheckReportFinding(f.Severity, f.Text))]));
            }
            else
            {
                foreach (var finding in findings)
                {
                    context.Out.WriteLine($"{(finding.Severity == CheckSeverity.Problem ? "problem" : "note")}: {finding.Text}");
                }

                context.Out.WriteLine(clean ? $"{path}: no problems found ({format})" : $"{path}: {findings.Count(f => f.Severity == CheckSeverity.Problem)} problem(s) found ({format})");
            }

            return clean ? 0 : 1;
        });
        return command;
    }

    /// <summary>Reads a package the way convert does, every disk through a digest-only pipeline; damage becomes a problem finding.</summary>
    private static async Task<(string Format, IReadOnlyList<CheckFinding> Findings)> CheckPackageAsync(CliContext context, Core.Vm.IVmSourceFormat format, string path)
    {
        var findings = new List<CheckFinding>();
        try
        {
            using var package = format.Open(path, SourceOptions.Default, context.Registry);
            await package.ForEachDiskAsync(async feed =>
            {
                var read = await BlockPipeline.RunAsync(feed.Producer, [], new PipelineOptions(), null, context.Cancellation).ConfigureAwait(false);
                lock (findings)
                {
                    findings.Add(new CheckFinding(CheckSeverity.Note,
                        Printable.Line($"VM \"{feed.Vm.Name}\" disk {feed.DiskNumber} ({feed.Name}): {ByteSize.Format(feed.Producer.Length)} read whole, digest {read.Digest}")));
                }
            }, context.Cancellation).ConfigureAwait(false);
        }
        catch (V2VException e) when (e is InvalidImageException or ChecksumMismatchException or UnsupportedFormatException or UnsafePathException)
        {
            findings.Add(new CheckFinding(CheckSeverity.Problem, e.Message));
        }

        return (format.Name, findings.OrderBy(f => f.Text, StringComparer.Ordinal).ToList());
    }

    private static (string Format, IReadOnlyList<CheckFinding> Findings) Check(FormatRegistry registry, string path)
    {
        IImageFormat format;
        try
        {
            format = registry.DetectFile(path);
        }
        catch (InvalidImageException e)
        {
            // Named like an image but without its signature: damage, reported like any other.
            return ("unknown", [new CheckFinding(CheckSeverity.Problem, e.Message)]);
        }

        if (format is ICheckableFormat checkable)
        {
            return (format.Name, checkable.Check(path));
        }

        // Formats without a checker of their own are checked by opening them, which validates them.
        using var disk = format.Open(path, SourceOptions.Default);
        return (format.Name, []);
    }
}

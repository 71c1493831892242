using System.CommandLine;
using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.Cli.Commands;

/// <summary><c>v2v check IMAGE</c>: structural check; exit 0 when clean, 1 when problems were found.</summary>
public static class CheckCommand
{
    public static Command Build(CliContext context)
    {
        var image = new Argument<string>("IMAGE") { Description = "Image file to check" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("check", "Check an image's structure") { image, json };

        command.SetAction((parse, _) =>
        {
            string path = parse.GetValue(image)!;
            var (format, findings) = Check(context.Registry, path);
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

            return Task.FromResult(clean ? 0 : 1);
        });
        return command;
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

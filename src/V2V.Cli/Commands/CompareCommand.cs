using System.CommandLine;
using V2V.Core.Conversion;
using V2V.Core.Formats;

namespace V2V.Cli.Commands;

/// <summary><c>v2v compare A B</c>: content comparison; exit 0 when identical, 1 at the first difference.</summary>
public static class CompareCommand
{
    public static Command Build(CliContext context)
    {
        var first = new Argument<string>("A") { Description = "First image" };
        var second = new Argument<string>("B") { Description = "Second image" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("compare", "Compare the content of two images, whatever their formats") { first, second, json };

        command.SetAction((parse, _) =>
        {
            using var a = context.Registry.Open(parse.GetValue(first)!, SourceOptions.Default);
            using var b = context.Registry.Open(parse.GetValue(second)!, SourceOptions.Default);
            long? difference = DiskComparer.FirstDifference(a, b, context.Cancellation);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(context.Out, new CompareReport(a.Path, b.Path, difference is null, difference, a.Capacity, b.Capacity));
            }
            else
            {
                if (a.Capacity != b.Capacity)
                {
                    context.Out.WriteLine($"note: capacities differ ({a.Capacity} and {b.Capacity} bytes); the extra part must read as zeros");
                }

                context.Out.WriteLine(difference is { } at ? $"content differs at offset {at}" : "images are identical");
            }

            return Task.FromResult(difference is null ? 0 : 1);
        });
        return command;
    }
}

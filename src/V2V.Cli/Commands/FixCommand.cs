using System.CommandLine;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Pipeline;
using V2V.Guest.Fixups;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v fix TARGET</c> (issue 14 item 7): the Windows fixups for an image that is already
/// converted. The image is copied into <c>TARGET.partial</c> (same format, subformat, block and
/// sector size) through the conversion's guest stage, then renamed over TARGET together with
/// <c>TARGET.fixups.json</c> and <c>TARGET.undo.reg</c>; when no fixup changes anything, TARGET is
/// left as it is. Exit 4 when a needed fixup could not be applied (what could be applied is).
/// </summary>
public static class FixCommand
{
    public static Command Build(CliContext context)
    {
        var target = new Argument<string>("TARGET") { Description = "A VHDX or VHD image holding a Windows guest (not a differencing disk)" };
        var skip = FixupOption.CreateSkip();
        var disable = FixupOption.CreateDisableService();
        var noSync = new Option<bool>("--no-sync") { Description = "Do not fsync the fixed image before renaming it into place" };
        var command = new Command("fix", "Apply the Windows fixups for Hyper-V to a converted VHDX or VHD image (atomic; journaled)") { target, skip, disable, noSync };
        command.SetAction((parse, _) => RunAsync(context, parse.GetValue(target)!,
            new FixupRequest(FixupMode.Auto, parse.GetValue(skip) ?? [], parse.GetValue(disable) ?? []), !parse.GetValue(noSync)));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string path, FixupRequest request, bool durable)
    {
        var stage = FixupStage.From(request, "--skip-fixup")!;
        if (File.Exists(FixupJournalFile.JournalPathOf(path)))
        {
            throw new UsageException($"{path}: already has a fixup journal ({Path.GetFileName(FixupJournalFile.JournalPathOf(path))}); undo it first or remove it, so the journal that undoes the first fix is not lost");
        }

        using var disk = context.Registry.Open(path, SourceOptions.Default);
        var description = disk.Describe();
        if (description.Format is not ("vhdx" or "vhd"))
        {
            throw new UsageException($"{path}: is a {description.Format} image; v2v fix changes VHDX and VHD images (convert it to one first)");
        }

        var plan = GuestUndoCommand.SameAs(context.Registry, disk, path);

        // TARGET is the source and the output: the set reads nothing else, and TARGET.partial is renamed over it.
        using var outputs = new OutputSet(overwrite: true, durable, new FilesRead());
        var options = ConversionOptions.Default with { Durable = durable, Guest = stage };
        var feed = new DiskFeedRequest(new RandomAccessProducer(disk, disk.Capacity), path, [plan], outputs, context.Registry, options);
        var outcome = await DiskConverter.ConvertIntoAsync(feed, null, context.Cancellation).ConfigureAwait(false);
        var written = outcome.Targets[0];
        var guest = written.Guest ?? GuestStageReport.None;
        if (guest.Files.Count > 0)
        {
            outputs.CommitAll();
        }

        context.Out.WriteLine(guest.Files.Count > 0 ? $"fixed {written.Path}" : $"{path}: nothing changed, left as it was");
        FixupOption.Print(context.Out, written);
        context.Out.WriteLine($"  digest    {outcome.Copy.Digest} (before)");
        context.Out.WriteLine($"  output    {written.Digest}");
        return guest.Warnings.Count > 0 ? 4 : 0;
    }
}

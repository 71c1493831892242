using System.CommandLine;
using V2V.Core;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;
using V2V.Guest.Windows;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v guest ls IMAGE [PATH]</c> and <c>v2v guest cat IMAGE PATH</c>: a directory's names or a
/// file's bytes from an NTFS volume inside any disk V2V reads, without mounting it (read-only).
/// The volume is <c>--volume N</c> (its partition number), else the Windows system volume, else the
/// first NTFS volume.
/// </summary>
public static class GuestCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("guest", "Look inside a guest's disks, files and hives without mounting them (read-only); undo fixups");
        command.Subcommands.Add(Ls(context));
        command.Subcommands.Add(Cat(context));
        command.Subcommands.Add(GuestRegCommand.Build(context));
        command.Subcommands.Add(GuestUndoCommand.Build(context));
        return command;
    }

    private static Command Ls(CliContext context)
    {
        var (image, volume, allowExternal) = Common();
        var path = new Argument<string>("PATH") { Description = @"Directory in the volume (\ or / separated)", DefaultValueFactory = _ => "\\" };
        var command = new Command("ls", "List a directory of a guest volume") { image, path, volume, allowExternal };
        command.SetAction(parse =>
        {
            using var disk = context.Registry.Open(parse.GetValue(image)!, new SourceOptions { AllowExternalFiles = parse.GetValue(allowExternal) });
            var (_, ntfs) = OpenVolume(disk, parse.GetValue(volume));
            foreach (var entry in ntfs.ListDirectory(parse.GetValue(path)!))
            {
                context.Out.WriteLine(Printable.Line(entry.Name) + (entry.IsDirectory ? "/" : ""));
            }

            return 0;
        });
        return command;
    }

    private static Command Cat(CliContext context)
    {
        var (image, volume, allowExternal) = Common();
        var path = new Argument<string>("PATH") { Description = @"File in the volume; FILE:STREAM for an alternate data stream" };
        var command = new Command("cat", "Write a file of a guest volume to stdout") { image, path, volume, allowExternal };
        command.SetAction(async (parse, cancellation) =>
        {
            using var disk = context.Registry.Open(parse.GetValue(image)!, new SourceOptions { AllowExternalFiles = parse.GetValue(allowExternal) });
            var (_, ntfs) = OpenVolume(disk, parse.GetValue(volume));
            using var file = ntfs.OpenFile(parse.GetValue(path)!);
            await context.Out.FlushAsync(cancellation).ConfigureAwait(false);
            // The bytes go to the process's stdout as they are; a test host's writer gets them as Latin-1 text.
            if (ReferenceEquals(context.Out, Console.Out))
            {
                using var stdout = Console.OpenStandardOutput();
                await file.CopyToAsync(stdout, 1 << 20, cancellation).ConfigureAwait(false);
            }
            else
            {
                using var bytes = new MemoryStream();
                await file.CopyToAsync(bytes, 1 << 20, cancellation).ConfigureAwait(false);
                await context.Out.WriteAsync(System.Text.Encoding.Latin1.GetString(bytes.ToArray())).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static (Argument<string> Image, Option<int?> Volume, Option<bool> AllowExternal) Common() =>
        (new Argument<string>("IMAGE") { Description = "Disk image file or block device" }, VolumeOption(), AllowExternalOption());

    internal static Option<int?> VolumeOption() =>
        new("--volume") { Description = "Partition number of the volume (default: the Windows system volume, else the first NTFS volume)" };

    internal static Option<bool> AllowExternalOption() =>
        new("--allow-external-extents") { Description = "Let VMDK descriptors and VHD locators name files outside their own folder" };

    /// <summary>Volume <paramref name="number"/> of the disk, or the default one, opened as NTFS.</summary>
    internal static (DiskVolume Volume, NtfsVolume Ntfs) OpenVolume(IDiskSource disk, int? number)
    {
        var layout = PartitionTable.Read(disk);
        var volumes = layout.Volumes;
        DiskVolume chosen;
        if (number is { } n)
        {
            chosen = volumes.FirstOrDefault(v => v.Number == n)
                ?? throw new UsageException($"{disk.Path}: no volume {n} (volumes: {(volumes.Count == 0 ? "none" : string.Join(", ", volumes.Select(v => v.Number)))})");
            if (chosen.FileSystem != FileSystemKind.Ntfs)
            {
                throw new UnsupportedFormatException(disk.Path, $"volume {n} holds {chosen.FileSystem.Describe()}; only NTFS can be read");
            }
        }
        else
        {
            if (WindowsSystemVolume.Find(disk, layout) is { } windows)
            {
                return windows;
            }

            chosen = volumes.FirstOrDefault(v => v.FileSystem == FileSystemKind.Ntfs)
                ?? throw new UnsupportedFormatException(disk.Path, $"no NTFS volume found ({(volumes.Count == 0 ? "no volumes" : string.Join(", ", volumes.Select(v => $"{v.Number}: {v.FileSystem.Describe()}")))})");
        }

        return (chosen, NtfsVolume.Open(disk, chosen.Offset, chosen.Length));
    }
}

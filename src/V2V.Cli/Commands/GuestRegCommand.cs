using System.CommandLine;
using V2V.Core;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Guest.Registry;
using V2V.Guest.Windows;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v guest reg IMAGE HIVE-PATH [KEY]</c> (a hive inside a disk V2V reads) or
/// <c>v2v guest reg HIVE-FILE [KEY]</c> (a hive file, told by its "regf" signature): prints a key
/// and everything below it in .reg format (as <c>reg export</c> writes it) to stdout. A dirty hive
/// is replayed in memory from the .LOG/.LOG1/.LOG2 files beside it (in the guest volume or the
/// host folder); what the reader noticed goes to stderr as notes.
/// </summary>
public static class GuestRegCommand
{
    public static Command Build(CliContext context)
    {
        var source = new Argument<string>("IMAGE|HIVE-FILE") { Description = "Disk image file or block device; or a registry hive file (regf), e.g. a copy of Windows\\System32\\config\\SYSTEM" };
        var second = new Argument<string>("HIVE-PATH|KEY") { Description = "With IMAGE: the hive's path in the volume, e.g. \\Windows\\System32\\config\\SYSTEM. With HIVE-FILE: the key to export", DefaultValueFactory = _ => "" };
        var third = new Argument<string>("KEY") { Description = "With IMAGE: key to export, below the hive's root (default: the whole hive)", DefaultValueFactory = _ => "" };
        var prefix = new Option<string?>("--prefix") { Description = "Root written before every key path (default: HKEY_LOCAL_MACHINE\\<hive name>; HKEY_CURRENT_USER for NTUSER.DAT)" };
        var volume = GuestCommand.VolumeOption();
        var allowExternal = GuestCommand.AllowExternalOption();
        var command = new Command("reg", "Export a registry key and everything below it in .reg format: IMAGE HIVE-PATH [KEY] reads a hive inside a disk V2V reads, HIVE-FILE [KEY] a hive file (told by its regf signature); dirty hives are replayed from the .LOG/.LOG1/.LOG2 beside them")
        {
            source, second, third, prefix, volume, allowExternal,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            string path = parse.GetValue(source)!;
            string secondValue = parse.GetValue(second) ?? "";
            string thirdValue = parse.GetValue(third) ?? "";
            RegistryHive opened;
            string wanted;
            string hiveName;
            if (IsHiveFile(path))
            {
                if (thirdValue.Length > 0 || parse.GetValue(volume) is not null)
                {
                    throw new UsageException($"{path} is a hive file: give at most a KEY after it, and no --volume");
                }

                opened = RegistryHive.OpenFile(path);
                (wanted, hiveName) = (secondValue, Path.GetFileName(path));
            }
            else
            {
                if (secondValue.Length == 0)
                {
                    throw new UsageException($"{path} is not a hive file: give the hive's path in the guest volume after it, e.g. {WindowsSystemVolume.SystemHivePath}");
                }

                using var disk = context.Registry.Open(path, new SourceOptions { AllowExternalFiles = parse.GetValue(allowExternal) });
                var (chosen, ntfs) = GuestCommand.OpenVolume(disk, parse.GetValue(volume));
                opened = VolumeHive.Open(ntfs, secondValue, $"{path} (volume {chosen.Number}) {secondValue}");
                (wanted, hiveName) = (thirdValue, secondValue[(secondValue.LastIndexOfAny(['\\', '/']) + 1)..]);
            }

            var start = opened.OpenKey(wanted) ?? throw new UsageException($"{opened.File}: no key \"{wanted}\" in this hive");
            foreach (string finding in opened.Findings)
            {
                await context.Error.WriteLineAsync($"note: {Printable.Line(finding)}").ConfigureAwait(false);
            }

            // The export reads the whole subtree before writing: damage fails the command with nothing on stdout.
            RegFileExport.Write(start, parse.GetValue(prefix) ?? DefaultPrefix(hiveName), context.Out);
            await context.Out.FlushAsync(cancellation).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Whether <paramref name="path"/> is a regular file starting with the regf signature.</summary>
    private static bool IsHiveFile(string path)
    {
        if (!File.Exists(path) || (File.GetAttributes(path) & FileAttributes.Directory) != 0)
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[4];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false) == 4 && signature.SequenceEqual("regf"u8);
    }

    private static string DefaultPrefix(string name) =>
        string.Equals(name, "NTUSER.DAT", StringComparison.OrdinalIgnoreCase) ? "HKEY_CURRENT_USER" : "HKEY_LOCAL_MACHINE\\" + name.ToUpperInvariant();
}

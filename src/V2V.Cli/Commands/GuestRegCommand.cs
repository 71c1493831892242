using System.CommandLine;
using V2V.Core;
using V2V.Core.Errors;
using V2V.Guest.Registry;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v guest reg HIVE-FILE [KEY]</c>: prints a key of a registry hive file and everything below
/// it in .reg format (as <c>reg export</c> writes it) to stdout. A dirty hive is replayed in memory
/// from the .LOG/.LOG1/.LOG2 files beside it; what the reader noticed goes to stderr as notes.
/// </summary>
public static class GuestRegCommand
{
    public static Command Build(CliContext context)
    {
        var hive = new Argument<string>("HIVE-FILE") { Description = "A registry hive file (regf), e.g. a copy of Windows\\System32\\config\\SYSTEM" };
        var key = new Argument<string>("KEY") { Description = "Key to export, below the hive's root (default: the whole hive)", DefaultValueFactory = _ => "" };
        var prefix = new Option<string?>("--prefix") { Description = "Root written before every key path (default: HKEY_LOCAL_MACHINE\\<HIVE-FILE name>; HKEY_CURRENT_USER for NTUSER.DAT)" };
        var command = new Command("reg", "Export a registry key of a hive file in .reg format (dirty hives replayed from their logs)") { hive, key, prefix };
        command.SetAction(async (parse, cancellation) =>
        {
            string path = parse.GetValue(hive)!;
            string wanted = parse.GetValue(key) ?? "";
            var opened = RegistryHive.OpenFile(path);
            var start = opened.OpenKey(wanted) ?? throw new UsageException($"{path}: no key \"{wanted}\" in this hive");
            foreach (string finding in opened.Findings)
            {
                await context.Error.WriteLineAsync($"note: {Printable.Line(finding)}").ConfigureAwait(false);
            }

            // The export reads the whole subtree before writing: damage fails the command with nothing on stdout.
            RegFileExport.Write(start, parse.GetValue(prefix) ?? DefaultPrefix(path), context.Out);
            await context.Out.FlushAsync(cancellation).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static string DefaultPrefix(string path)
    {
        string name = Path.GetFileName(path);
        return string.Equals(name, "NTUSER.DAT", StringComparison.OrdinalIgnoreCase) ? "HKEY_CURRENT_USER" : "HKEY_LOCAL_MACHINE\\" + name.ToUpperInvariant();
    }
}

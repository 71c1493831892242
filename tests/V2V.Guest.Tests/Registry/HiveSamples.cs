using System.Text;
using V2V.Guest.Registry;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Registry;

/// <summary>
/// The real hives of ../shared/samples/windows, decompressed once per test run into a temp folder,
/// and the hivex oracle: a Perl script over Win::Hivex (the libhivex that hivexget/hivexml use)
/// that prints every key path, timestamp, value name, type and raw data; <see cref="Dump"/> prints
/// V2V's reading in the same form, so the two must be equal line for line.
/// </summary>
internal static class HiveSamples
{
    private const string DumpScript = """
        use strict; use warnings; use Win::Hivex; use Encode;
        my $h = Win::Hivex->open($ARGV[0]);
        binmode STDOUT;
        sub hx { return unpack("H*", Encode::encode("UTF-16LE", $_[0])); }
        sub walk {
          my ($node, $path) = @_;
          print "K $path ", $h->node_timestamp($node), "\n";
          for my $v ($h->node_values($node)) {
            my ($type, $data) = $h->value_value($v);
            print "V ", hx($h->value_key($v)), " $type ", unpack("H*", $data), "\n";
          }
          for my $c ($h->node_children($node)) { walk($c, $path . "/" . hx($h->node_name($c))); }
        }
        walk($h->root(), "");
        """;

    /// <summary>Removes the decompressed copies (called once when the tests of this namespace end).</summary>
    public static void Cleanup()
    {
        if (Folder.IsValueCreated)
        {
            Directory.Delete(Folder.Value, recursive: true);
        }
    }

    private static readonly Lazy<string> Folder = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "v2v-hives-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "dump.pl"), DumpScript);
        return folder;
    });

    /// <summary>The path of a decompressed copy of <c>windows/regipy/NAME.xz</c> or the plain <c>windows/hivex/NAME</c>.</summary>
    public static string Get(string relative)
    {
        string target = Path.Combine(Folder.Value, Path.GetFileName(relative).Replace(".xz", "", StringComparison.Ordinal));
        lock (Folder)
        {
            Directory.CreateDirectory(Folder.Value); // another namespace's tests may have cleaned it up already
            File.WriteAllText(Path.Combine(Folder.Value, "dump.pl"), DumpScript);
            if (!File.Exists(target))
            {
                string source = RepositoryPaths.Sample("windows/" + relative);
                if (relative.EndsWith(".xz", StringComparison.Ordinal))
                {
                    ExternalTool.Require("xz");
                    using var output = File.Create(target + ".part");
                    var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("xz", ["-dc", source]) { RedirectStandardOutput = true })!;
                    process.StandardOutput.BaseStream.CopyTo(output);
                    process.WaitForExit();
                    Assert.That(process.ExitCode, Is.EqualTo(0), $"xz -dc {source}");
                    output.Close();
                    File.Move(target + ".part", target);
                }
                else
                {
                    File.Copy(source, target);
                }
            }
        }

        return target;
    }

    /// <summary>A fresh writable copy of a sample in <paramref name="folder"/>.</summary>
    public static string CopyTo(string relative, string folder, string? name = null)
    {
        string target = Path.Combine(folder, name ?? Path.GetFileName(Get(relative)));
        File.Copy(Get(relative), target);
        File.SetAttributes(target, FileAttributes.Normal);
        return target;
    }

    /// <summary>hivex's reading of the hive file at <paramref name="path"/>, one line per key and value.</summary>
    public static string[] HivexDump(string path)
    {
        ExternalTool.Require("hivexregedit"); // Debian libwin-hivex-perl: the Win::Hivex binding
        return Lines(ExternalTool.Ok("perl", Path.Combine(Folder.Value, "dump.pl"), path));
    }

    /// <summary>V2V's reading of <paramref name="hive"/> in the oracle's form (children and values in stored order).</summary>
    public static string[] Dump(RegistryHive hive)
    {
        var output = new StringBuilder();
        Walk(hive.Root, "", output);
        return Lines(output.ToString());
    }

    private static void Walk(RegistryKey key, string path, StringBuilder output)
    {
        output.Append($"K {path} {key.LastWrittenFileTime}\n");
        foreach (var value in key.Values)
        {
            output.Append($"V {Hex(value.Name)} {(uint)value.Type} {Convert.ToHexStringLower(value.Data.Span)}\n");
        }

        foreach (var subkey in key.Subkeys)
        {
            Walk(subkey, path + "/" + Hex(subkey.Name), output);
        }
    }

    private static string Hex(string name) => Convert.ToHexStringLower(Encoding.Unicode.GetBytes(name));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

[SetUpFixture]
public sealed class HiveSamplesCleanup
{
    [OneTimeTearDown]
    public void RemoveDecompressedHives() => HiveSamples.Cleanup();
}

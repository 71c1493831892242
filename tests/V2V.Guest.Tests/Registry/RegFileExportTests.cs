using System.Globalization;
using System.Text;
using V2V.Guest.Registry;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Registry;

/// <summary>
/// <c>v2v guest reg</c> gives the same keys and values as <c>hivexregedit --export</c> of the same
/// hive. The texts differ in form only, so both are parsed and compared: hivexregedit sorts
/// values and subkeys by name (V2V keeps the stored order, as regedit does), writes REG_SZ as
/// hex(1) (V2V as a quoted string when the data is text + NUL), never wraps hex lines (V2V wraps
/// before 80 columns), writes REG_BINARY as hex(3) (V2V as hex:), ends lines with LF (V2V CRLF),
/// prints no header line, and prints names that fit Latin-1 as Latin-1 bytes (V2V: UTF-8).
/// </summary>
public sealed class RegFileExportTests
{
    private const string Prefix = @"HKEY_LOCAL_MACHINE\SOFTWARE";

    [TestCase("regipy/SYSTEM.xz")]
    [TestCase("regipy/BCD.xz")]
    [TestCase("hivex/special")]
    [TestCase("hivex/minimal")]
    public void guest_reg_exports_the_keys_and_values_hivexregedit_exports(string sample)
    {
        string path = HiveSamples.Get(sample);
        var ours = Exported(path, "");
        Assert.That(ours, Is.EqualTo(HivexExport(path, @"\")));
    }

    [Test]
    public void a_key_of_a_hive_edited_with_every_value_type_exports_as_hivexregedit_exports_it()
    {
        using var folder = new TempFolder();
        string hive = EditedHiveTests.TypedHive(folder);
        Assert.That(Exported(hive, "Types"), Is.EqualTo(HivexExport(hive, @"\Types")));
        Assert.That(Exported(hive, ""), Is.EqualTo(HivexExport(hive, @"\")));
    }

    [Test]
    public void a_dirty_hive_is_exported_after_replaying_the_logs_beside_it()
    {
        using var folder = new TempFolder();
        string primary = HiveSamples.CopyTo("regipy/SYSTEM_B.xz", folder.Path, "SYSTEM");
        HiveSamples.CopyTo("regipy/SYSTEM_B.LOG1.xz", folder.Path, "system.log1");
        HiveSamples.CopyTo("regipy/SYSTEM_B.LOG2.xz", folder.Path, "SYSTEM.LOG2");
        var replayed = RegistryHive.OpenFile(primary);
        File.WriteAllBytes(folder.File("replayed"), replayed.Image.ToArray());

        var run = CliRunner.Run("guest", "reg", "--prefix", Prefix, primary, @"ControlSet001\Control");
        Assert.That(run.ExitCode, Is.EqualTo(0), run.StdErr);
        Assert.That(run.StdErr, Does.StartWith("note: ").And.Contain("replayed 24 log entries"));
        Assert.That(Parse(run.StdOut), Is.EqualTo(HivexExport(folder.File("replayed"), @"\ControlSet001\Control")));
    }

    [Test]
    public void a_malformed_hive_exits_2_with_one_error_line_naming_the_file_and_offset()
    {
        string path = HiveSamples.Get("regipy/corrupted_system_hive.xz");
        CliRunner.Run("guest", "reg", path).AssertRejected(path, "hbin at 0x19000");
    }

    [Test]
    public void damage_deep_in_the_tree_exits_2_with_nothing_on_stdout()
    {
        using var folder = new TempFolder();
        string path = EditedHiveTests.TypedHive(folder);
        byte[] hive = File.ReadAllBytes(path);
        int vk = HiveEdits.FindCell(hive, "vk");
        while ((HiveEdits.U32(hive, vk + 8) & 0x80000000) != 0)
        {
            vk = HiveEdits.FindCell(hive, "vk", vk + 8);
        }

        HiveEdits.SetU32(hive, vk + 12, 0x12345670); // the data offset names no cell
        File.WriteAllBytes(path, hive);
        var run = CliRunner.Run("guest", "reg", path);
        run.AssertRejected(path, "is not an allocated cell");
        Assert.That(run.StdOut, Is.Empty);
    }

    [Test]
    public void a_missing_key_exits_2()
    {
        string path = HiveSamples.Get("regipy/BCD.xz");
        CliRunner.Run("guest", "reg", path, "No\\Such\\Key").AssertRejected(path, "no key");
    }

    [Test]
    public void values_are_written_in_regedit_syntax_and_hex_lines_wrap_before_80_columns()
    {
        using var folder = new TempFolder();
        var hive = RegistryHive.OpenFile(EditedHiveTests.TypedHive(folder));
        var types = hive.OpenKey("Types")!;
        Assert.Multiple(() =>
        {
            Assert.That(RegFileExport.FormatValue(types.Value("")!), Is.EqualTo("@=\"default\"\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("sz")!), Is.EqualTo("\"sz\"=\"a \\\"quoted\\\" \\\\ text\"\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("dword")!), Is.EqualTo("\"dword\"=dword:12345678\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("binary")!), Is.EqualTo("\"binary\"=hex:00,01,02,ff\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("multi")!), Is.EqualTo("\"multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("qword")!), Is.EqualTo("\"qword\"=hex(b):08,07,06,05,04,03,02,01\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("none")!), Is.EqualTo("\"none\"=hex(0):\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("unterminated sz")!), Is.EqualTo("\"unterminated sz\"=hex(1):41,00,42,00\r\n"));
            Assert.That(RegFileExport.FormatValue(types.Value("short dword")!), Is.EqualTo("\"short dword\"=hex(4):01,02\r\n"));
        });

        var lines = RegFileExport.FormatValue(types.Value("large")!).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.GreaterThan(100));
        Assert.That(lines.Max(l => l.Length), Is.LessThanOrEqualTo(80));
        Assert.That(lines.Skip(1), Has.All.StartsWith("  "));
        Assert.That(lines.SkipLast(1), Has.All.EndsWith(",\\"));
    }

    private static SortedDictionary<string, SortedDictionary<string, string>> Exported(string hive, string key)
    {
        var run = CliRunner.Run("guest", "reg", "--prefix", Prefix, hive, key);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.StdErr);
        Assert.That(run.StdOut, Does.StartWith(RegFileExport.Header + "\r\n\r\n"));
        return Parse(run.StdOut);
    }

    private static SortedDictionary<string, SortedDictionary<string, string>> HivexExport(string hive, string key)
    {
        ExternalTool.Require("hivexregedit");
        var start = new System.Diagnostics.ProcessStartInfo("hivexregedit") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["--export", "--prefix", Prefix, hive, key])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        using var bytes = new MemoryStream();
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(bytes);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.EqualTo(0), errors.Result);

        // Perl prints a name whose characters all fit Latin-1 as Latin-1 bytes, other names as UTF-8.
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var text = new StringBuilder();
        foreach (var line in Split(bytes.ToArray()))
        {
            try
            {
                text.Append(strict.GetString(line));
            }
            catch (DecoderFallbackException)
            {
                text.Append(Encoding.Latin1.GetString(line));
            }

            text.Append('\n');
        }

        return Parse(text.ToString());
    }

    private static IEnumerable<byte[]> Split(byte[] bytes)
    {
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                yield return bytes[start..i];
                start = i + 1;
            }
        }
    }

    /// <summary>Key path (below the prefix) → value name → "type:hex data", from a .reg text in either tool's form.</summary>
    internal static SortedDictionary<string, SortedDictionary<string, string>> Parse(string text)
    {
        var keys = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        SortedDictionary<string, string>? current = null;
        var logical = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\\\n  ", "", StringComparison.Ordinal);
        foreach (string line in logical.Split('\n'))
        {
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                string path = line[1..^1];
                Assert.That(path, Does.StartWith(Prefix));
                path = path[Prefix.Length..].Trim('\\');
                current = [];
                Assert.That(keys.TryAdd(path, current), Is.True, $"key {path} printed twice");
            }
            else if (line.StartsWith('@') || line.StartsWith('"'))
            {
                var (name, data) = SplitValue(line);
                Assert.That(current, Is.Not.Null);
                current!.Add(name, data);
            }
            else
            {
                Assert.That(line, Is.Empty.Or.EqualTo(RegFileExport.Header), "unexpected line");
            }
        }

        return keys;
    }

    private static (string Name, string Data) SplitValue(string line)
    {
        string name = "";
        int at = 1;
        if (line[0] == '"')
        {
            var builder = new StringBuilder();
            while (line[at] != '"')
            {
                builder.Append(line[at] == '\\' ? line[++at] : line[at]);
                at++;
            }

            name = builder.ToString();
            at++;
        }

        Assert.That(line[at], Is.EqualTo('='));
        string data = line[(at + 1)..];
        if (data.StartsWith("dword:", StringComparison.Ordinal))
        {
            uint number = uint.Parse(data[6..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return (name, "4:" + Convert.ToHexStringLower(BitConverter.GetBytes(number)));
        }

        if (data.StartsWith('"'))
        {
            string unescaped = data[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            return (name, "1:" + Convert.ToHexStringLower(Encoding.Unicode.GetBytes(unescaped + "\0")));
        }

        int colon = data.IndexOf(':', StringComparison.Ordinal);
        string type = data[..colon] == "hex" ? "3" : uint.Parse(data[4..(colon - 1)], NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        return (name, type + ":" + data[(colon + 1)..].Replace(",", "", StringComparison.Ordinal));
    }
}

using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core.Conversion;
using V2V.Core.Vm;
using V2V.Guest.Partitions;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>Names from VMX/OVF/XVA files reach the script only as inert single-quoted literals.</summary>
public class PowerShellQuotingTests
{
    [TestCase("web 01", "'web 01'")]
    [TestCase("O'Brien's VM", "'O''Brien''s VM'")]
    [TestCase("curly\u2019quote", "'curly\u2019\u2019quote'")]
    [TestCase("Überprüfung-東京", "'Überprüfung-東京'")]
    [TestCase("$(Remove-Item C:\\ -Recurse)", "'$(Remove-Item C:\\ -Recurse)'")]
    public void Quote_makes_a_single_quoted_literal(string value, string expected) =>
        Assert.That(PowerShellScript.Quote(value), Is.EqualTo(expected));

    public static IEnumerable<string> Hostile() =>
    [
        "x'; Remove-Item C:\\ -Recurse; '",
        "x\u2019; Remove-Item C:\\ -Recurse; \u2018",
        "x\nRemove-Item C:\\ -Recurse\n#",
        "x\u2028Remove-Item C:\\ -Recurse",
        "`\"$(Remove-Item C:\\ -Recurse)\"",
    ];

    /// <summary>
    /// Walks the script the way PowerShell's tokenizer treats quotes and comments, and asserts the
    /// payload only ever appears inside a single-quoted string or a comment.
    /// </summary>
    [TestCaseSource(nameof(Hostile))]
    public void A_hostile_vm_name_or_network_never_becomes_code(string hostile)
    {
        var vm = new VmDescription(hostile, "vmware", hostile, Firmware.Bios, 1, 1024, "windows", [new VmDrive(DriveKind.Disk, ControllerKind.Scsi, "lsilogic", 0, 0, "a.vmdk", 1 << 30)],
            [new VmNic(0, "00:50:56:aa:bb:cc", true, hostile, "vmxnet3")], []);
        var definition = HyperVMapper.Map(new ConvertedVm(vm, [new ConvertedDisk(1, "x-disk1.vhdx", "a.vmdk", 1 << 30, "d", false, 0)]),
            BootStyle.Mbr, new HyperVOptions { SwitchMap = new Dictionary<string, string> { [hostile] = hostile } }, DateTime.UnixEpoch);

        string script = PowerShellScript.Write(definition);

        foreach (var (code, line) in CodeOutsideStringsAndComments(script))
        {
            Assert.That(code, Does.Not.Contain("Remove-Item"), $"line {line} would run: {code}");
        }
    }

    private static IEnumerable<(string Code, int Line)> CodeOutsideStringsAndComments(string script)
    {
        var code = new System.Text.StringBuilder();
        int line = 1;
        bool inSingle = false;
        bool inComment = false;
        for (int i = 0; i < script.Length; i++)
        {
            char c = script[i];
            bool newline = c is '\n' or '\r';
            if (newline)
            {
                inComment = false;
                if (!inSingle)
                {
                    yield return (code.ToString(), line);
                    code.Clear();
                }

                line++;
                continue;
            }

            if (inComment)
            {
                continue;
            }

            bool quote = c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B';
            if (inSingle)
            {
                if (quote)
                {
                    if (i + 1 < script.Length && script[i + 1] is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B')
                    {
                        i++;
                    }
                    else
                    {
                        inSingle = false;
                    }
                }

                continue;
            }

            if (quote)
            {
                inSingle = true;
            }
            else if (c == '#')
            {
                inComment = true;
            }
            else
            {
                code.Append(c);
            }
        }

        yield return (code.ToString(), line);
    }
}

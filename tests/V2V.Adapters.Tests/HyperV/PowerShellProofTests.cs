using System.Text;
using System.Text.Json.Nodes;
using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core.Conversion;
using V2V.Core.Vm;
using V2V.Guest.Partitions;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>
/// Real PowerShell proves the scripts: every expected script and the hostile-name scripts parse
/// with no error and no PowerShell-7-only syntax, then run against the Hyper-V stand-in module,
/// whose recorded calls must build exactly the VM of the matching <c>.hyperv.json</c>. All
/// scripts go through one pwsh process (its start-up is most of the cost).
/// </summary>
[NonParallelizable]
public class PowerShellProofTests
{
    private static readonly string Expected = Path.Combine(RepositoryPaths.Root, "tests", "V2V.Adapters.Tests", "HyperV", "expected");
    private TempFolder? _work;
    private readonly Dictionary<string, (ScriptProof Proof, string DiskFolder, string Json)> _proofs = [];

    public static IEnumerable<string> ExpectedScripts() =>
        Directory.GetFiles(Expected, "*.ps1").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

    public static IEnumerable<string> HostileNames() => PowerShellQuotingTests.Hostile().Append("web[01]*?");

    [OneTimeSetUp]
    public void ProveAll()
    {
        _work = new TempFolder();
        var cases = new List<(string Key, ScriptCase Case, string Json)>();
        foreach (string stem in ExpectedScripts())
        {
            string json = File.ReadAllText(Path.Combine(Expected, stem + ".hyperv.json"));
            cases.Add(("expected:" + stem, new ScriptCase(Path.Combine(Expected, stem + ".ps1"), DiskFolderFor(json, "disks-" + cases.Count)), json));
        }

        foreach (var (hostile, i) in HostileNames().Select((h, i) => (h, i)))
        {
            var (script, json) = WriteHostile(hostile, $"hostile-{i}");
            string disks = DiskFolderFor(json, $"hostile-{i}-disks");
            cases.Add(("hostile:" + hostile, new ScriptCase(script, disks), json));
            cases.Add(("exists:" + hostile, new ScriptCase(script, disks, Existing: new JsonArray(hostile).ToJsonString()), json));
        }

        string bad = _work.File("bad.ps1");
        File.WriteAllText(bad, "#Requires -Modules Hyper-V\n$a = $b ?? 1\n$c = $a ? 1 : 2\nGet-VM && Get-VM\n$d = ${a}?.Name\n\"`e[0m\"\nNew-VM -Name 'x' -NoVHD -Bogus 1\n", new UTF8Encoding(false));
        cases.Add(("bad", new ScriptCase(bad, _work.Path), ""));

        var proofs = PowerShellProof.Prove(cases.Select(c => c.Case).ToList(), _work);
        for (int i = 0; i < cases.Count; i++)
        {
            _proofs[cases[i].Key] = (proofs[i], cases[i].Case.DiskFolder, cases[i].Json);
        }
    }

    [OneTimeTearDown]
    public void Clean() => _work?.Dispose();

    private string DiskFolderFor(string json, string name)
    {
        string folder = _work!.File(name);
        Directory.CreateDirectory(folder);
        foreach (var disk in JsonNode.Parse(json)!["disks"]!.AsArray())
        {
            File.WriteAllBytes(Path.Combine(folder, (string)disk!["file"]!), []);
        }

        return folder;
    }

    /// <summary>A VM whose name, network and switch are all <paramref name="hostile"/>, written as the writer does (UTF-8 with BOM).</summary>
    private (string Script, string Json) WriteHostile(string hostile, string stem)
    {
        var vm = new VmDescription(hostile, "vmware", hostile, Firmware.Bios, 1, 1024, "windows", [new VmDrive(DriveKind.Disk, ControllerKind.Scsi, "lsilogic", 0, 0, "a.vmdk", 1 << 30)],
            [new VmNic(0, "00:50:56:aa:bb:cc", true, hostile, "vmxnet3")], []);
        var definition = HyperVMapper.Map(new ConvertedVm(vm, [new ConvertedDisk(1, "x-disk1.vhdx", "a.vmdk", 1 << 30, "d", false, 0)]),
            BootStyle.Mbr, new HyperVOptions { SwitchMap = new Dictionary<string, string> { [hostile] = hostile } }, DateTime.UnixEpoch);
        string script = _work!.File(stem + ".ps1");
        File.WriteAllBytes(script, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(PowerShellScript.Write(definition))]);
        return (script, HyperVDefinitionJson.Write(definition));
    }

    private static void AssertCleanRun(ScriptProof proof)
    {
        Assert.That(proof.ParseErrors, Is.Empty, "PowerShell's parser");
        Assert.That(proof.PowerShell7Syntax, Is.Empty, "syntax Windows PowerShell 5.1 cannot parse");
        Assert.That(proof.Failure, Is.Null, "the script failed against the Hyper-V stand-in");
    }

    [TestCaseSource(nameof(ExpectedScripts))]
    public void An_expected_script_parses_and_its_calls_build_its_hyperv_json(string stem)
    {
        var (proof, disks, json) = _proofs["expected:" + stem];
        AssertCleanRun(proof);
        var definition = PowerShellProof.Definition(json);
        Assert.That(proof.Output.LastOrDefault(), Is.EqualTo($"Created VM '{(string)definition["name"]!}'. Check it, then: Start-VM -Name '{(string)definition["name"]!}'"));
        var built = PowerShellProof.Fold(proof.Calls, disks);
        Assert.That(JsonNode.DeepEquals(built, definition), Is.True, $"calls built:\n{PowerShellProof.Show(built)}\nthe definition says:\n{PowerShellProof.Show(definition)}");
    }

    [TestCaseSource(nameof(HostileNames))]
    public void A_hostile_name_reaches_hyper_v_exactly_and_nothing_else_runs(string hostile)
    {
        var (proof, disks, json) = _proofs["hostile:" + hostile];
        AssertCleanRun(proof);
        Assert.That(proof.Utf8Bom, Is.True, "Windows PowerShell 5.1 reads a script without a BOM as ANSI");
        Assert.That(proof.Cmdlets, Is.EqualTo(new[]
        {
            "Get-VM", "New-VM", "Set-VMProcessor", "Set-VMMemory", "Set-VM", "Add-VMHardDiskDrive",
            "Get-VMNetworkAdapter", "Remove-VMNetworkAdapter", "Add-VMNetworkAdapter", "Set-VMBios",
        }), "only the Hyper-V cmdlets ran (a Remove-Item would be recorded)");
        Assert.That((string)proof.Calls[1]["parameters"]!["Name"]!, Is.EqualTo(hostile), "New-VM -Name");
        Assert.That(proof.Calls.Skip(2).Select(c => (string?)c["parameters"]!["VM"]?[0]?["vm"]).Where(n => n is not null), Has.All.EqualTo(hostile));
        Assert.That(JsonNode.DeepEquals(PowerShellProof.Fold(proof.Calls, disks), PowerShellProof.Definition(json)), Is.True);
    }

    [TestCaseSource(nameof(HostileNames))]
    public void A_vm_of_the_same_name_stops_the_script_before_anything_is_created(string hostile)
    {
        var (proof, _, _) = _proofs["exists:" + hostile];
        Assert.That(proof.Failure, Does.StartWith("A VM named '" + hostile + "' already exists"));
        Assert.That(proof.Cmdlets, Is.EqualTo(new[] { "Get-VM" }));
    }

    [Test]
    public void The_proof_catches_powershell_7_syntax_and_parameters_hyper_v_does_not_have()
    {
        var (proof, _, _) = _proofs["bad"];
        Assert.That(proof.PowerShell7Syntax, Has.Some.Contains("??").And.Some.Contains("ternary").And.Some.Contains("&&").And.Some.Contains("?.").And.Some.Contains("`e"));
        Assert.That(proof.Failure, Does.Contain("A parameter cannot be found that matches parameter name 'Bogus'"));
        Assert.That(proof.Cmdlets, Is.EqualTo(new[] { "Get-VM", "Get-VM" }));
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>A script to prove: where its disks are, and the names of VMs that already exist on the pretend host (a JSON array).</summary>
public sealed record ScriptCase(string Script, string DiskFolder, string Existing = "[]");

/// <summary>What real PowerShell made of one script (see PowerShell/Prove-Scripts.ps1).</summary>
public sealed record ScriptProof(string Script, string[] ParseErrors, string[] PowerShell7Syntax, bool Utf8Bom, string[] Output, string? Failure, IReadOnlyList<JsonObject> Calls)
{
    public IEnumerable<string> Cmdlets => Calls.Select(c => (string)c["cmdlet"]!);
}

/// <summary>
/// Runs V2V's scripts with real PowerShell (pwsh 7, installed by tests/run.sh into artifacts/tools)
/// against the Hyper-V stand-in module in PowerShell/Modules, all in one pwsh process.
/// </summary>
public static class PowerShellProof
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "tests", "V2V.Adapters.Tests", "HyperV", "PowerShell");

    /// <summary>The folder to put on PSModulePath so a script's <c>#Requires -Modules Hyper-V</c> finds the stand-in.</summary>
    public static string Modules => Path.Combine(Folder, "Modules");

    public static IReadOnlyList<ScriptProof> Prove(IReadOnlyList<ScriptCase> cases, TempFolder work)
    {
        string pwsh = ExternalTool.Require("pwsh");
        var manifest = new JsonArray();
        for (int i = 0; i < cases.Count; i++)
        {
            manifest.Add(new JsonObject
            {
                ["script"] = cases[i].Script,
                ["diskFolder"] = cases[i].DiskFolder,
                ["calls"] = work.File($"calls-{i}.jsonl"),
                ["existing"] = cases[i].Existing,
            });
        }

        File.WriteAllText(work.File("manifest.json"), manifest.ToJsonString());
        var start = new System.Diagnostics.ProcessStartInfo(pwsh) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-NoProfile", "-NonInteractive", "-File", Path.Combine(Folder, "Prove-Scripts.ps1"), "-Manifest", work.File("manifest.json"), "-Result", work.File("result.json") })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PSModulePath"] = Modules;
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("pwsh did not prove the scripts in 3 minutes");
        }

        Assert.That(process.ExitCode, Is.EqualTo(0), $"Prove-Scripts.ps1 failed: {stderr.Result}{stdout.Result}");
        var results = JsonNode.Parse(File.ReadAllText(work.File("result.json")))!.AsArray();
        return results.Select((r, i) => new ScriptProof(
            (string)r!["script"]!,
            Strings(r["parseErrors"]),
            Strings(r["powerShell7Syntax"]),
            (bool)r["utf8Bom"]!,
            Strings(r["output"]),
            (string?)r["failure"],
            File.Exists(work.File($"calls-{i}.jsonl"))
                ? File.ReadAllLines(work.File($"calls-{i}.jsonl"), Encoding.UTF8).Select(l => JsonNode.Parse(l)!.AsObject()).ToList()
                : [])).ToList();
    }

    private static string[] Strings(JsonNode? node) => node is JsonArray array ? array.Select(n => (string)n!).ToArray() : [];

    /// <summary>
    /// The VM the recorded calls built, in the shape of <c>.hyperv.json</c> (without the fields a
    /// script does not carry: generationReason, warnings, sourceNetwork). Disk files are the
    /// attached paths relative to <paramref name="diskFolder"/>.
    /// </summary>
    public static JsonObject Fold(IReadOnlyList<JsonObject> calls, string diskFolder)
    {
        var vm = new JsonObject();
        var disks = new List<JsonObject>();
        var adapters = new List<JsonObject>();
        var secureBoot = new JsonObject();
        (string Type, int Number, int Location)? boot = null;
        foreach (var call in calls)
        {
            var p = call["parameters"]!.AsObject();
            switch ((string)call["cmdlet"]!)
            {
                case "New-VM":
                    vm["name"] = (string)p["Name"]!;
                    vm["generation"] = (int)p["Generation"]!;
                    vm["memoryStartupBytes"] = (long)p["MemoryStartupBytes"]!;
                    if (p["Path"] is { } path)
                    {
                        vm["vmFolder"] = (string)path!;
                    }

                    adapters.Add(new JsonObject { ["name"] = "Network Adapter" });
                    break;
                case "Set-VMProcessor":
                    vm["processorCount"] = (long)p["Count"]!;
                    break;
                case "Set-VMMemory":
                    Assert.That((long)p["StartupBytes"]!, Is.EqualTo((long)vm["memoryStartupBytes"]!), "Set-VMMemory and New-VM disagree on memory");
                    vm["dynamicMemory"] = (bool)p["DynamicMemoryEnabled"]!;
                    break;
                case "Set-VM":
                    vm["notes"] = (string)p["Notes"]!;
                    break;
                case "Add-VMHardDiskDrive":
                    disks.Add(new JsonObject
                    {
                        ["controllerType"] = (string)p["ControllerType"]!,
                        ["controllerNumber"] = (int)p["ControllerNumber"]!,
                        ["controllerLocation"] = (int)p["ControllerLocation"]!,
                        ["file"] = Path.GetRelativePath(diskFolder, (string)p["Path"]!),
                        ["boot"] = false,
                    });
                    break;
                case "Remove-VMNetworkAdapter":
                    foreach (var removed in p["VMNetworkAdapter"]!.AsArray())
                    {
                        adapters.RemoveAll(a => (string)a["name"]! == (string)removed!["networkAdapter"]!);
                    }

                    break;
                case "Add-VMNetworkAdapter":
                    var adapter = new JsonObject { ["name"] = (string)p["Name"]! };
                    if (p["SwitchName"] is { } sw)
                    {
                        adapter["switch"] = (string)sw!;
                    }

                    if (p["StaticMacAddress"] is { } mac)
                    {
                        adapter["staticMac"] = (string)mac!;
                    }

                    if (p["IsLegacy"] is { } legacy && (bool)legacy!)
                    {
                        adapter["legacy"] = true;
                    }

                    adapters.Add(adapter);
                    break;
                case "Set-VMFirmware":
                    secureBoot["enabled"] = (string)p["EnableSecureBoot"]! == "On";
                    if (p["SecureBootTemplate"] is { } template)
                    {
                        secureBoot["template"] = (string)template!;
                    }

                    if (p["FirstBootDevice"]?["hardDiskDrive"] is { } first)
                    {
                        boot = ((string)first["controllerType"]!, (int)first["controllerNumber"]!, (int)first["controllerLocation"]!);
                    }

                    break;
                case "Set-VMBios":
                    secureBoot["enabled"] = false;
                    if ((string?)p["StartupOrder"]?[0] == "IDE")
                    {
                        boot = ("IDE", 0, 0); // a generation 1 VM boots from the first IDE disk
                    }

                    break;
            }
        }

        foreach (var disk in disks)
        {
            disk["boot"] = boot == ((string)disk["controllerType"]!, (int)disk["controllerNumber"]!, (int)disk["controllerLocation"]!);
        }

        var folded = new JsonObject
        {
            ["name"] = vm["name"]?.DeepClone(),
            ["generation"] = vm["generation"]?.DeepClone(),
            ["processorCount"] = vm["processorCount"]?.DeepClone(),
            ["memoryStartupBytes"] = vm["memoryStartupBytes"]?.DeepClone(),
            ["dynamicMemory"] = vm["dynamicMemory"]?.DeepClone(),
            ["secureBoot"] = secureBoot,
            ["disks"] = new JsonArray([.. disks]),
            ["networkAdapters"] = new JsonArray([.. adapters]),
        };
        if (vm["vmFolder"] is { } folder)
        {
            folded["vmFolder"] = folder.DeepClone();
        }

        folded["notes"] = vm["notes"]?.DeepClone();
        return folded;
    }

    /// <summary>The parts of a <c>.hyperv.json</c> a script carries, to compare with <see cref="Fold"/>.</summary>
    public static JsonObject Definition(string json)
    {
        var definition = JsonNode.Parse(json)!.AsObject();
        definition.Remove("generationReason");
        definition.Remove("warnings");
        definition.Remove("guestOs"); // the guest and the readiness verdict are the script's header comments, not calls
        definition.Remove("readiness");
        foreach (var adapter in definition["networkAdapters"]!.AsArray())
        {
            adapter!.AsObject().Remove("sourceNetwork");
        }

        return definition;
    }

    public static string Show(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}

using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

public class InfoCheckCompareTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void Info_reports_format_capacity_and_allocation()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 16 * MiB, [new DataRun(2 * MiB, (int)MiB, RunFill.Random)]);
        CliRunner.Run("convert", raw, folder.File("d.vhdx"), "--block-size", "2M");

        var result = CliRunner.Run("info", folder.File("d.vhdx"), "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("format").GetString(), Is.EqualTo("vhdx"));
            Assert.That(root.GetProperty("subformat").GetString(), Is.EqualTo("dynamic"));
            Assert.That(root.GetProperty("capacity").GetInt64(), Is.EqualTo(16 * MiB));
            Assert.That(root.GetProperty("allocatedBytes").GetInt64(), Is.EqualTo(2 * MiB), "one 2 MiB block");
            Assert.That(root.GetProperty("properties").GetProperty("block size").GetString(), Is.EqualTo("2097152"));
        });

        var text = CliRunner.Run("info", raw);
        Assert.That(text.StdOut, Does.Contain("format:     raw").And.Contain("capacity:   16 MiB"));
    }

    [Test]
    public void Check_is_clean_for_what_we_write()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 4 * MiB, [new DataRun(0, 512, RunFill.Random)]);
        CliRunner.Run("convert", raw, folder.File("d.vhdx"));

        var result = CliRunner.Run("check", folder.File("d.vhdx"), "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0));
        var root = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.That(root.GetProperty("clean").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("findings").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void Compare_finds_the_first_differing_byte_across_formats()
    {
        using var folder = new TempFolder();
        string a = SparseImage.Create(folder.File("a.raw"), 8 * MiB, [new DataRun(3 * MiB, 4096, RunFill.Repeated, 1)]);
        CliRunner.Run("convert", a, folder.File("a.vhdx"), "--block-size", "1M");
        string b = SparseImage.Create(folder.File("b.raw"), 8 * MiB, [new DataRun(3 * MiB, 4096, RunFill.Repeated, 1), new DataRun(6 * MiB + 77, 1, RunFill.Repeated, 9)]);

        Assert.That(CliRunner.Run("compare", a, folder.File("a.vhdx")).ExitCode, Is.EqualTo(0));

        var different = CliRunner.Run("compare", folder.File("a.vhdx"), b, "--json");
        Assert.That(different.ExitCode, Is.EqualTo(1));
        Assert.That(JsonDocument.Parse(different.StdOut).RootElement.GetProperty("firstDifference").GetInt64(), Is.EqualTo(6 * MiB + 77));
    }

    [Test]
    public void Compare_accepts_a_longer_disk_whose_tail_is_zero()
    {
        using var folder = new TempFolder();
        string a = SparseImage.Create(folder.File("a.raw"), 4 * MiB, [new DataRun(0, 100, RunFill.Random, 0)], seed: 2);
        string b = SparseImage.Create(folder.File("b.raw"), 5 * MiB, [new DataRun(0, 100, RunFill.Random, 0)], seed: 2);

        var same = CliRunner.Run("compare", a, b);
        Assert.That(same.ExitCode, Is.EqualTo(0));
        Assert.That(same.StdOut, Does.Contain("capacities differ"));

        File.WriteAllBytes(folder.File("c.raw"), File.ReadAllBytes(b).Select((x, i) => i == 4 * MiB + 1 ? (byte)1 : x).ToArray());
        var result = CliRunner.Run("compare", a, folder.File("c.raw"));
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StdOut, Does.Contain($"offset {4 * MiB + 1}"));
    }

    // Each digest recomputed by its documented recipe with the hash's own command-line tool.
    [TestCase(null, "xxhsum", "for f in piece.*; do xxhsum -H2 \"$f\" | cut -c1-32 | xxd -r -p; done > hashes && xxhsum -H2 hashes | cut -c1-32")]
    [TestCase("sha256-1m", "sha256sum", "for f in piece.*; do sha256sum \"$f\" | cut -c1-64 | xxd -r -p; done > hashes && sha256sum hashes | cut -c1-64")]
    [TestCase("blake3-1m", "b3sum", "for f in piece.*; do b3sum --raw \"$f\"; done > hashes && b3sum --no-names hashes")]
    public void The_digest_is_what_the_hash_tool_computes_by_the_documented_recipe(string? name, string tool, string recipe)
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 5 * MiB + 1536, [new DataRun(MiB + 7, 300000, RunFill.Random), new DataRun(5 * MiB, 1536, RunFill.Repeated, 3)]);

        string[] arguments = name is null ? ["info", raw, "--json", "--digest"] : ["info", raw, "--json", "--digest", name];
        string ours = JsonDocument.Parse(CliRunner.Run(arguments).StdOut).RootElement.GetProperty("digest").GetString()!;

        ExternalTool.Require(tool);
        ExternalTool.Require("xxd");
        var computed = ExternalTool.RunIn(folder.Path, "bash", "-c", "split -b 1M -a 6 d.raw piece. && " + recipe);
        Assert.That(computed.ExitCode, Is.EqualTo(0), computed.StdErr);
        Assert.That(ours, Is.EqualTo((name ?? "xxh128-1m") + ":" + computed.StdOut.Trim()));
    }

    [Test]
    public void Compare_checks_an_image_against_a_digest_made_with_any_known_hash()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 3 * MiB, [new DataRun(MiB, 5000, RunFill.Random)]);
        string blake3 = JsonDocument.Parse(CliRunner.Run("info", raw, "--json", "--digest", "blake3-1m").StdOut).RootElement.GetProperty("digest").GetString()!;

        var same = CliRunner.Run("compare", raw, blake3);
        Assert.That(same.ExitCode, Is.EqualTo(0), same.StdErr);
        Assert.That(same.StdOut, Does.Contain("identical"));

        string wrong = blake3[..^1] + (blake3[^1] == '0' ? '1' : '0');
        Assert.That(CliRunner.Run("compare", wrong, raw).ExitCode, Is.EqualTo(1));
    }

    [Test]
    public void Digests_made_with_different_hashes_are_called_incomparable_not_different()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 2 * MiB, [new DataRun(0, 5000, RunFill.Random)]);
        string xxh = JsonDocument.Parse(CliRunner.Run("info", raw, "--json", "--digest").StdOut).RootElement.GetProperty("digest").GetString()!;
        string sha = JsonDocument.Parse(CliRunner.Run("info", raw, "--json", "--digest", "sha256-1m").StdOut).RootElement.GetProperty("digest").GetString()!;

        var result = CliRunner.Run("compare", xxh, sha);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.StartWith("error: xxh128-1m and sha256-1m digests cannot be compared"));
        Assert.That(CliRunner.Run("compare", raw, xxh, "--digest", "sha256-1m").ExitCode, Is.EqualTo(2));
        Assert.That(CliRunner.Run("compare", raw, "md5-1m:d41d8cd98f00b204e9800998ecf8427e").StdErr, Does.Contain("unknown digest"));
    }

    [Test]
    public void Info_of_a_vmx_without_a_uuid_prints_no_empty_id()
    {
        var text = CliRunner.Run("info", RepositoryPaths.Sample("realworld/vmx-lowercase-keys/packer-vm.vmx"));

        Assert.That(text.ExitCode, Is.EqualTo(0), text.StdErr);
        Assert.That(text.StdOut, Does.Contain("vm:         packer-vm (vmware)\n").And.Not.Contain("id )"));
    }

    [Test]
    public void An_unknown_verb_is_a_usage_error() =>
        Assert.That(CliRunner.Run("frobnicate").ExitCode, Is.EqualTo(2));

    [Test]
    public void Info_json_of_a_vm_package_holds_the_hyper_v_definition_its_text_shows()
    {
        string xva = RepositoryPaths.Sample("realworld/xva-suspended-vm.xva");

        var text = CliRunner.Run("info", xva);
        var json = CliRunner.Run("info", xva, "--json");

        Assert.That(json.ExitCode, Is.EqualTo(0), json.StdErr);
        Assert.That(text.ExitCode, Is.EqualTo(0), text.StdErr);
        var vm = JsonDocument.Parse(json.StdOut).RootElement.GetProperty("vms")[0];
        var hyperV = vm.GetProperty("hyperV");
        var disk = hyperV.GetProperty("disks")[0];
        Assert.Multiple(() =>
        {
            Assert.That(hyperV.GetProperty("name").GetString(), Is.EqualTo(vm.GetProperty("name").GetString()));
            Assert.That(text.StdOut, Does.Contain("  firmware  BIOS, 2 CPU(s), 2048 MiB"), "not the enum's \"Bios\"");
            Assert.That(text.StdOut, Does.Contain($"hyper-v   generation {hyperV.GetProperty("generation").GetInt32()} ({hyperV.GetProperty("generationReason").GetString()}), "
                + $"{hyperV.GetProperty("processorCount").GetInt32()} CPU(s), {hyperV.GetProperty("memoryStartupBytes").GetInt64() / (1024 * 1024)} MiB static"));
            Assert.That(text.StdOut, Does.Contain($"{disk.GetProperty("file").GetString()} on {disk.GetProperty("controllerType").GetString()} "
                + $"{disk.GetProperty("controllerNumber").GetInt32()}:{disk.GetProperty("controllerLocation").GetInt32()} (boot)"));
            Assert.That(hyperV.GetProperty("warnings").GetArrayLength(), Is.GreaterThan(0), "the sample's network is not mapped");
            foreach (var warning in hyperV.GetProperty("warnings").EnumerateArray())
            {
                Assert.That(text.StdOut, Does.Contain($"warning   {warning.GetString()}"));
            }
        });
    }

    [TestCase("vmware/tiny-boot.ova", "OVA")]
    [TestCase("xenserver/tiny-boot.xva", "XVA")]
    public void Commands_that_read_one_disk_name_a_vm_package_as_one(string sample, string kind)
    {
        string package = Path.Combine(RepositoryPaths.Root, "samples", sample);
        string named = $"is a VM package ({kind}), not a disk image";

        // Once "a tar archive that is neither an OVA nor an XVA", which it is.
        Assert.Multiple(() =>
        {
            CliRunner.Run("guest", "ls", package).AssertRejected(package, named);
            CliRunner.Run("compare", package, package).AssertRejected(package, named);
            CliRunner.Run("fix", package).AssertRejected(package, named);
        });
    }
}

using V2V.Adapters.VMware.VSphere;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// Disk data through the datastore file route: VMDKs of every kind written into the simulator's
/// datastore folders, converted from vSphere, and compared by qemu-img with the same files read
/// locally.
/// </summary>
[NonParallelizable]
public class DiskTests
{
    private const long MiB = 1024 * 1024;
    private VcSim _sim = null!;
    private TempFolder _work = null!;

    [OneTimeSetUp]
    public void StartSimulator()
    {
        _sim = VcSim.Start();
        _work = new TempFolder();
        DatastoreFile.RetryDelaySeconds = 0;
    }

    [OneTimeTearDown]
    public void StopSimulator()
    {
        _sim?.Dispose();
        _work?.Dispose();
    }

    private VSphereSourceOptions Options(string vm, string password = "pass") =>
        new(_sim.Url.ToString(), vm, "user", VSpherePassword.Of(password, "the test"), _sim.Sha256);

    /// <summary>Writes a raw image with data in three places as the VM's disk1.vmdk in the given VMDK subformat.</summary>
    private string WriteDisk(string vm, string subformat, int seed)
    {
        string raw = SparseImage.Create(_work.File($"{vm}.raw"), 24 * MiB + 512 * 1024,
            [new DataRun(0, (int)MiB, RunFill.Random), new DataRun(5 * MiB + 4096, 300_000, RunFill.Random), new DataRun(24 * MiB, 512 * 1024, RunFill.Random)], seed);
        string folder = _sim.VmFolder(vm);
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        QemuImg.Convert(raw, "raw", Path.Combine(folder, "disk1.vmdk"), "vmdk", "-o", $"subformat={subformat}");
        return Path.Combine(folder, "disk1.vmdk");
    }

    private string Convert(string vm)
    {
        using var source = VSphereSource.Open(Options(vm));
        string output = _work.File("out-" + vm);
        var registry = V2V.Cli.FormatCatalog.Create();
        var request = VmConversionRequest.IntoFolder(source, output, registry.Target("vhdx"), null, null, null, registry) with { Options = ConversionOptions.Default with { Verify = true } };
        var converted = VmConverter.ConvertAsync(request, null, CancellationToken.None).GetAwaiter().GetResult();
        Assert.That(converted.Single().Disks, Has.Count.EqualTo(1));
        return Path.Combine(output, converted[0].Disks[0].File);
    }

    [TestCase("DC0_H0_VM0", "monolithicFlat")]
    [TestCase("DC0_H0_VM1", "monolithicSparse")]
    [TestCase("DC0_C0_RP0_VM0", "streamOptimized")]
    public void A_disk_read_from_the_datastore_equals_the_same_file_read_locally(string vm, string subformat)
    {
        string local = WriteDisk(vm, subformat, seed: vm.Length);

        string vhdx = Convert(vm);

        QemuImg.AssertIdentical(local, "vmdk", vhdx, "vhdx");
    }

    [Test]
    public void A_snapshot_chain_is_followed_through_the_descriptors()
    {
        const string vm = "DC0_C0_RP0_VM1";
        string folder = _sim.VmFolder(vm);
        string raw = SparseImage.Create(_work.File("base.raw"), 16 * MiB, [new DataRun(0, 2 * (int)MiB, RunFill.Random)], seed: 9);
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        QemuImg.Convert(raw, "raw", Path.Combine(folder, "base.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        File.Delete(Path.Combine(folder, "disk1.vmdk"));
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", Path.Combine(folder, "disk1.vmdk"));
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x99 1536k 64k", Path.Combine(folder, "disk1.vmdk"));

        string vhdx = Convert(vm);

        QemuImg.AssertIdentical(Path.Combine(folder, "disk1.vmdk"), "vmdk", vhdx, "vhdx");
        using var source = VSphereSource.Open(Options(vm));
        using var disk = source.OpenDisk(source.Vm.Disks[0]);
        Assert.That(disk.Chain.Select(p => p.ToString()), Is.EqualTo(new[] { $"[LocalDS_0] {vm}/disk1.vmdk", $"[LocalDS_0] {vm}/base.vmdk" }));
    }

    [TestCase("../DC0_H0_VM0/disk1-flat.vmdk")]
    [TestCase("/vmfs/volumes/other/disk1-flat.vmdk")]
    public void A_descriptor_naming_files_outside_the_vms_folder_is_refused(string extent)
    {
        const string vm = "DC0_H0_VM0";
        WriteDisk(vm, "monolithicFlat", seed: 3);
        string descriptor = Path.Combine(_sim.VmFolder(vm), "disk1.vmdk");
        string text = File.ReadAllText(descriptor);
        File.WriteAllText(descriptor, text.Replace("\"disk1-flat.vmdk\"", $"\"{extent}\"", StringComparison.Ordinal));
        try
        {
            using var source = VSphereSource.Open(Options(vm));
            var e = Assert.Throws<UnsafePathException>(() => source.OpenDisk(source.Vm.Disks[0]))!;
            Assert.That(e.ExitCode, Is.EqualTo(2));
            Assert.That(e.Message, Does.Contain("only files in its own folder").And.Contain(extent));
        }
        finally
        {
            File.WriteAllText(descriptor, text);
        }
    }

    [Test]
    public void A_missing_extent_is_a_clear_error()
    {
        const string vm = "DC0_H0_VM0";
        WriteDisk(vm, "monolithicFlat", seed: 4);
        File.Delete(Path.Combine(_sim.VmFolder(vm), "disk1-flat.vmdk"));

        using var source = VSphereSource.Open(Options(vm));
        var e = Assert.Throws<InvalidImageException>(() => source.OpenDisk(source.Vm.Disks[0]))!;

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Is.EqualTo($"[LocalDS_0] {vm}/disk1-flat.vmdk: does not exist on the datastore (HTTP 404)"));
    }

    [Test]
    public void A_powered_on_vm_is_refused_with_what_to_do()
    {
        const string vm = "DC0_H0_VM1";
        using (var client = VimClient.Connect(VSphereEndpoint.Parse(_sim.Url.ToString()), "user", VSpherePassword.Of("pass", "the test"), new CertificatePin(_sim.Sha256)))
        {
            var found = VSphereInventory.Find(client, vm);
            client.Invoke("PowerOnVM_Task", found.Ref, []);
        }

        try
        {
            var e = Assert.Throws<VSphereException>(() => VSphereSource.Open(Options(vm)))!;
            Assert.That(e.ExitCode, Is.EqualTo(2));
            Assert.That(e.Message, Does.Contain("is poweredOn").And.Contain("shut it down"));
        }
        finally
        {
            using var client = VimClient.Connect(VSphereEndpoint.Parse(_sim.Url.ToString()), "user", VSpherePassword.Of("pass", "the test"), new CertificatePin(_sim.Sha256));
            client.Invoke("PowerOffVM_Task", VSphereInventory.Find(client, vm).Ref, []);
        }
    }
}

using System.Text.Json;
using System.Xml.Linq;
using V2V.Adapters.VMware.VSphere;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// <c>v2v convert</c>, <c>info</c> and <c>inspect</c> on vsphere:// URLs against the simulator:
/// disks of every kind written into its datastore folders convert as qemu-img reads the same files
/// locally; each fault a user can meet ends in one <c>error:</c> line with its exit code and
/// never shows the password.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CliTests
{
    private const long MiB = 1024 * 1024;
    private const string User = "user";
    private const string Password = "Cli-Secret-Pass-9";
    private SimulatorLogin _login = null!;
    private VcSim _sim = null!;
    private TempFolder _work = null!;
    private string _passwordFile = null!;

    [OneTimeSetUp]
    public void StartSimulator()
    {
        _login = SimulatorLogin.Start(User, Password);
        (_sim, _work, _passwordFile) = (_login.Sim, _login.Work, _login.PasswordFile);
    }

    [OneTimeTearDown]
    public void StopSimulator() => _login?.Dispose();

    private string Url(string vm, string? authority = null) => $"vsphere://{User}@{authority ?? _sim.Url.Authority}{(vm.StartsWith('/') ? "" : "/")}{vm}";

    private CliResult V2v(params string[] args) => CliRunner.Run([.. args, "--thumbprint", _sim.Sha256, "--password-file", _passwordFile]);

    private static void AssertOneError(CliResult result, int exitCode, params string[] mentioning)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), $"stdout: {result.StdOut}\nstderr: {result.StdErr}");
            Assert.That(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), result.StdErr);
            Assert.That(result.StdErr, Does.StartWith("error: "));
            foreach (string text in mentioning)
            {
                Assert.That(result.StdErr, Does.Contain(text));
            }

            Assert.That(result.StdOut + result.StdErr, Does.Not.Contain(Password));
        });
    }

    /// <summary>Writes a raw image with data in three places as the VM's disk1.vmdk in a VMDK subformat; returns the local path.</summary>
    private string WriteDisk(string vm, string subformat, int seed)
    {
        string raw = SparseImage.Create(_work.File($"{vm}.raw"), 24 * MiB + 512 * 1024,
            [new DataRun(0, (int)MiB, RunFill.Random), new DataRun(5 * MiB + 4096, 300_000, RunFill.Random), new DataRun(24 * MiB, 512 * 1024, RunFill.Random)], seed);
        string folder = _sim.VmFolder(vm);
        foreach (var old in Directory.GetFiles(folder, "*.vmdk"))
        {
            File.Delete(old);
        }

        QemuImg.Convert(raw, "raw", Path.Combine(folder, "disk1.vmdk"), "vmdk", "-o", $"subformat={subformat}");
        return Path.Combine(folder, "disk1.vmdk");
    }

    [TestCase("DC0_H0_VM0", "monolithicFlat")]
    [TestCase("DC0_H0_VM1", "monolithicSparse")]
    [TestCase("DC0_C0_RP0_VM0", "streamOptimized")]
    public void Convert_of_a_vsphere_url_writes_the_disk_as_qemu_reads_it_locally(string vm, string subformat)
    {
        string local = WriteDisk(vm, subformat, seed: vm.Length + subformat.Length);
        string output = _work.File("out-" + subformat);

        var result = V2v("convert", Url("/DC0/vm/" + vm), output, "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain($"converted VM \"{vm}\" from {Url("/DC0/vm/" + vm)}"));
        QemuImg.AssertIdentical(local, "vmdk", Path.Combine(output, $"{vm}-disk1.vhdx"), "vhdx");
        Assert.That(File.Exists(Path.Combine(output, $"{vm}.vm.json")) && File.Exists(Path.Combine(output, $"{vm}.ps1")), Is.True);
    }

    [Test]
    public void A_vm_given_by_name_with_a_snapshot_chain_converts_as_qemu_reads_the_chain()
    {
        const string vm = "DC0_C0_RP0_VM0";
        string folder = _sim.VmFolder(vm);
        WriteDisk(vm, "monolithicSparse", seed: 21);
        File.Move(Path.Combine(folder, "disk1.vmdk"), Path.Combine(folder, "base.vmdk"));
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", Path.Combine(folder, "disk1.vmdk"));
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x5a 3m 192k", Path.Combine(folder, "disk1.vmdk"));
        string output = _work.File("out-chain");

        var result = V2v("convert", Url(vm), output, "--to", "vmdk");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(Path.Combine(folder, "disk1.vmdk"), "vmdk", Path.Combine(output, $"{vm}-disk1.vmdk"), "vmdk");
    }

    [Test]
    public void Info_describes_the_vm_and_inspect_reads_its_disks()
    {
        const string vm = "DC0_H0_VM1";
        WriteDisk(vm, "monolithicFlat", seed: 5);

        var info = V2v("info", Url("/DC0/vm/" + vm));
        var json = V2v("info", Url("/DC0/vm/" + vm), "--json");
        var inspect = V2v("inspect", Url(vm), "--json");

        Assert.That(info.ExitCode, Is.EqualTo(0), info.StdErr);
        Assert.That(info.StdOut, Does.Contain($"package:    {Url("/DC0/vm/" + vm)} (vsphere)")
            .And.Contain($"[LocalDS_0] {vm}/disk1.vmdk").And.Contain("power     poweredOff").And.Contain("hyper-v   generation 1"));
        Assert.That(json.ExitCode, Is.EqualTo(0), json.StdErr);
        using (var document = JsonDocument.Parse(json.StdOut))
        {
            Assert.That(document.RootElement.GetProperty("format").GetString(), Is.EqualTo("vsphere"));
            Assert.That(document.RootElement.GetProperty("vms")[0].GetProperty("name").GetString(), Is.EqualTo(vm));
        }

        Assert.That(inspect.ExitCode, Is.EqualTo(0), inspect.StdErr);
        using (var document = JsonDocument.Parse(inspect.StdOut))
        {
            Assert.That(document.RootElement.GetProperty("format").GetString(), Is.EqualTo("vsphere"));
        }

        Assert.That(inspect.StdOut, Does.Contain($"\"{vm}\""));
    }

    [Test]
    public void A_wrong_password_is_refused_with_exit_2_and_never_shown()
    {
        const string wrong = "Wrong-Password-123";
        Environment.SetEnvironmentVariable("V2V_TEST_VSPHERE_PASSWORD", wrong);
        try
        {
            var result = CliRunner.Run("info", Url("DC0_H0_VM0"), "--thumbprint", _sim.Sha256, "--password-env", "V2V_TEST_VSPHERE_PASSWORD");

            AssertOneError(result, 2, "login refused for user \"user\"", "environment variable V2V_TEST_VSPHERE_PASSWORD");
            Assert.That(result.StdErr, Does.Not.Contain(wrong));
        }
        finally
        {
            Environment.SetEnvironmentVariable("V2V_TEST_VSPHERE_PASSWORD", null);
        }
    }

    [Test]
    public void An_unknown_vm_is_refused_by_path_and_by_name()
    {
        AssertOneError(V2v("convert", Url("/DC0/vm/nowhere/web99"), _work.File("out-unknown")), 2, "no VM at inventory path \"/DC0/vm/nowhere/web99\"");
        AssertOneError(V2v("info", Url("web99")), 2, "no VM named \"web99\"");
        Assert.That(Directory.Exists(_work.File("out-unknown")) && Directory.EnumerateFileSystemEntries(_work.File("out-unknown")).Any(), Is.False);
    }

    [Test]
    public void An_ambiguous_name_is_refused_listing_the_candidates()
    {
        using var sim = VcSim.Start();
        using (var client = VimClient.Connect(VSphereEndpoint.Parse(sim.Url.ToString()), "u", VSpherePassword.Of("p", "the test"), new CertificatePin(sim.Sha256)))
        {
            var vmFolder = MoRef.From(client.Invoke("FindByInventoryPath", client.Content.SearchIndex, [new XElement(VimXml.Vim + "inventoryPath", "DC0/vm")]).Child("returnval"))!.Value;
            var other = MoRef.From(client.Invoke("CreateFolder", vmFolder, [new XElement(VimXml.Vim + "name", "other")]).Child("returnval"))!.Value;
            var second = VSphereInventory.Find(client, "DC0_H0_VM1").Ref;
            client.Invoke("MoveIntoFolder_Task", other, [second.ToXml("list")]);
            client.Invoke("Rename_Task", second, [new XElement(VimXml.Vim + "newName", "DC0_H0_VM0")]);
        }

        var result = CliRunner.Run("info", Url("DC0_H0_VM0", sim.Url.Authority), "--thumbprint", sim.Sha256, "--password-file", _passwordFile);

        AssertOneError(result, 2, "2 VMs are named \"DC0_H0_VM0\"", "/DC0/vm/DC0_H0_VM0, /DC0/vm/other/DC0_H0_VM0");
    }

    [Test]
    public void An_unpinned_or_wrongly_pinned_certificate_prints_its_thumbprint_and_how_to_pin_it()
    {
        string zeros = string.Join(':', Enumerable.Repeat("00", 32));
        var unpinned = CliRunner.Run("info", Url("DC0_H0_VM0"), "--password-file", _passwordFile);
        var wrong = CliRunner.Run("info", Url("DC0_H0_VM0"), "--password-file", _passwordFile, "--thumbprint", zeros);

        AssertOneError(unpinned, 2, $"its SHA-256 thumbprint is {_sim.Sha256}", $"openssl s_client -connect {_sim.Url.Authority} ", $"pin it with --thumbprint {_sim.Sha256}");
        AssertOneError(wrong, 2, $"(SHA-256 {_sim.Sha256}) is not the one pinned ({zeros})", $"--thumbprint {_sim.Sha256}");
    }

    [Test]
    public void A_password_in_the_url_or_in_a_file_others_can_read_is_refused()
    {
        string shared = _work.File("shared-password");
        File.WriteAllText(shared, Password);
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var inUrl = CliRunner.Run("info", $"vsphere://user:{Password}@{_sim.Url.Authority}/DC0_H0_VM0", "--thumbprint", _sim.Sha256);
        var readable = CliRunner.Run("info", Url("DC0_H0_VM0"), "--thumbprint", _sim.Sha256, "--password-file", shared);

        AssertOneError(inUrl, 2, "a password may not be written in the URL");
        AssertOneError(readable, 2, $"chmod 600 {shared}");
    }

    [Test]
    public void Vsphere_options_with_a_file_source_are_refused()
    {
        var result = CliRunner.Run("convert", _work.File("disk.raw"), _work.File("disk.vhdx"), "--snapshot");

        AssertOneError(result, 2, "--snapshot applies to vsphere:// sources only");
    }
}

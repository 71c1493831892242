using System.Text.RegularExpressions;
using System.Xml.Linq;
using V2V.Adapters.VMware.VSphere;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// The export route (ExportVm → HttpNfcLease) against the simulator's -export-shim, behind the
/// fault proxy, which counts the lease calls and injects faults. The shim serves each disk's
/// backing file as it lies, where vCenter would stream a streamOptimized VMDK made from the disk:
/// so the tests write, as the backing file, the streamOptimized rendition of each disk (by
/// qemu-img, or by V2V's own ESXi-layout writer) and compare the output with the original disk,
/// a flat, a monolithicSparse or a streamOptimized VMDK, read locally by qemu-img.
/// </summary>
[NonParallelizable]
public partial class ExportTests
{
    private const long MiB = 1024 * 1024;
    private VcSim _sim = null!;
    private FaultProxy _proxy = null!;
    private TempFolder _work = null!;
    private readonly List<string> _calls = [];

    [OneTimeSetUp]
    public void Start()
    {
        _sim = VcSim.Start("-export-shim");
        _proxy = new FaultProxy(_sim.Url, _sim.Sha256);
        _work = new TempFolder();
    }

    [OneTimeTearDown]
    public void Stop()
    {
        LeaseKeepAlive.IntervalOverride = null;
        _proxy?.Dispose();
        _sim?.Dispose();
        _work?.Dispose();
    }

    [SetUp]
    public void CountCalls()
    {
        LeaseKeepAlive.IntervalOverride = null;
        lock (_calls)
        {
            _calls.Clear();
        }

        Count(_ => null);
    }

    /// <summary>Records every SOAP method and every disk GET, then applies <paramref name="rule"/>.</summary>
    private void Count(Func<ProxyRequest, ProxyAction?> rule) => _proxy.Rule = r =>
    {
        lock (_calls)
        {
            _calls.Add(r.Method == "POST" ? SoapMethod().Match(r.Body).Groups[1].Value : $"{r.Method} {r.Target.Split('/')[^1]}");
        }

        return rule(r);
    };

    private int Calls(string name)
    {
        lock (_calls)
        {
            return _calls.Count(c => c == name);
        }
    }

    private VSphereSourceOptions Options(string vm) =>
        new(_proxy.Server, vm, "user", VSpherePassword.Of("pass", "the test"), _proxy.Sha256) { Route = VSphereRoute.Export };

    private VimClient Connect() => VimClient.Connect(VSphereEndpoint.Parse(_sim.Url.ToString()), "user", VSpherePassword.Of("pass", "the test"), new CertificatePin(_sim.Sha256));

    /// <summary>A local disk of the given VMDK subformat with data in three places, and the streamOptimized rendition the export serves, at <paramref name="served"/>.</summary>
    private string WriteDisk(string name, string subformat, int seed, string served, bool v2vWriter = false)
    {
        string raw = SparseImage.Create(_work.File($"{name}.raw"), 6 * MiB + 512 * 1024,
            [new DataRun(0, (int)MiB, RunFill.Random), new DataRun(3 * MiB + 4096, 300_000, RunFill.Random), new DataRun(6 * MiB, 512 * 1024, RunFill.Random)], seed);
        string local = _work.File($"{name}.vmdk");
        QemuImg.Convert(raw, "raw", local, "vmdk", "-o", $"subformat={subformat}");
        File.Delete(served);
        if (v2vWriter)
        {
            // V2V's writer makes VMware's layout (directory at the end, end-of-stream marker), as vCenter streams it.
            var registry = V2V.Cli.FormatCatalog.Create();
            using var disk = registry.Open(raw, SourceOptions.Default);
            DiskConverter.ConvertAsync(new DiskConversionRequest(disk, [new TargetPlan(registry.Target("vmdk"), new TargetRequest(served, disk.Capacity, "streamOptimized", null, 512))], registry), null, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        else
        {
            QemuImg.Convert(local, "vmdk", served, "vmdk", "-o", "subformat=streamOptimized");
        }

        return local;
    }

    private void AddDisk(string vm, string file, int controllerKey, int unit)
    {
        // The simulator adds a disk only when its -flat.vmdk exists; the export serves the named file.
        string flat = Path.Combine(_sim.VmFolder(vm), Path.GetFileNameWithoutExtension(file) + "-flat.vmdk");
        File.WriteAllBytes(flat, []);
        using var client = Connect();
        var found = VSphereInventory.Find(client, vm);
        var task = client.Invoke("ReconfigVM_Task", found.Ref, [XElement.Parse($"""
            <spec xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><deviceChange><operation>add</operation>
            <device xsi:type="VirtualDisk"><key>-1</key><backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName>[LocalDS_0] {vm}/{file}</fileName><diskMode>persistent</diskMode></backing>
            <controllerKey>{controllerKey}</controllerKey><unitNumber>{unit}</unitNumber><capacityInKB>7168</capacityInKB></device></deviceChange></spec>
            """)]);
        var state = PropertyReader.Retrieve(client, MoRef.From(task.Child("returnval"))!.Value, "info.state").Text("info.state");
        Assert.That(state, Is.EqualTo("success"), $"adding {file} to {vm}");
    }

    private IReadOnlyList<ConvertedVm> Convert(string vm, string output, CancellationToken cancellationToken = default)
    {
        using var source = VSphereSource.Open(Options(vm), CancellationToken.None);
        var registry = V2V.Cli.FormatCatalog.Create();
        var request = VmConversionRequest.IntoFolder(source, output, registry.Target("vhdx"), null, null, null, registry) with { Options = ConversionOptions.Default with { Verify = true } };
        return VmConverter.ConvertAsync(request, null, cancellationToken).GetAwaiter().GetResult();
    }

    private static string[] Outputs(string folder) => Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : [];

    [Test]
    public void A_vm_with_flat_sparse_and_stream_optimized_disks_converts_through_the_export_lease()
    {
        const string vm = "DC0_H0_VM0";
        string folder = _sim.VmFolder(vm);
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        string flat = WriteDisk("flat", "monolithicFlat", 1, Path.Combine(folder, "disk1.vmdk"));
        string sparse = WriteDisk("sparse", "monolithicSparse", 2, Path.Combine(folder, "disk2.vmdk"));
        string stream = WriteDisk("stream", "streamOptimized", 3, Path.Combine(folder, "disk3.vmdk"), v2vWriter: true);
        AddDisk(vm, "disk2.vmdk", controllerKey: 202, unit: 1); // SCSI 0:1 beside disk1 at 0:0
        AddDisk(vm, "disk3.vmdk", controllerKey: 201, unit: 0); // IDE 1:0

        var converted = Convert(vm, _work.File("out-three")).Single();

        // Controller order: IDE 1:0, then SCSI 0:0 and 0:1.
        Assert.That(converted.Disks.Select(d => d.Source), Is.EqualTo(new[] { "disk3.vmdk", "disk1.vmdk", "disk2.vmdk" }.Select(f => $"vsphere://{_proxy.Server}/[LocalDS_0] {vm}/{f}")));
        string Output(int n) => Path.Combine(_work.File("out-three"), converted.Disks[n].File);
        QemuImg.AssertIdentical(stream, "vmdk", Output(0), "vhdx");
        QemuImg.AssertIdentical(flat, "vmdk", Output(1), "vhdx");
        QemuImg.AssertIdentical(sparse, "vmdk", Output(2), "vhdx");
        Assert.That((Calls("ExportVm"), Calls("GET disk-0.vmdk") + Calls("GET disk-1.vmdk") + Calls("GET disk-2.vmdk"), Calls("HttpNfcLeaseComplete"), Calls("HttpNfcLeaseAbort"), Calls("Logout")),
            Is.EqualTo((1, 3, 1, 0, 1)), string.Join(", ", _calls));
    }

    [Test]
    public void Progress_calls_keep_the_lease_alive_while_an_initializing_lease_and_a_slow_download_are_waited_for()
    {
        const string vm = "DC0_H0_VM1";
        string local = WriteDisk("slow", "monolithicSparse", 4, Path.Combine(_sim.VmFolder(vm), "disk1.vmdk"));
        LeaseKeepAlive.IntervalOverride = TimeSpan.FromMilliseconds(50);
        int polls = 0;
        var percents = new List<int>();
        Count(r =>
        {
            if (StatePoll().IsMatch(r.Body) && Interlocked.Increment(ref polls) <= 2)
            {
                return LeaseState(r, "<propSet><name>state</name><val xsi:type=\"HttpNfcLeaseState\">initializing</val></propSet>");
            }

            if (PercentOf().Match(r.Body) is { Success: true } percent)
            {
                lock (percents)
                {
                    percents.Add(int.Parse(percent.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return r.Method == "GET" && r.Target.StartsWith("/nfc/", StringComparison.Ordinal) ? new ProxyAction.Delay(600) : null;
        });

        var converted = Convert(vm, _work.File("out-slow")).Single();

        QemuImg.AssertIdentical(local, "vmdk", Path.Combine(_work.File("out-slow"), converted.Disks[0].File), "vhdx");
        Assert.That(polls, Is.GreaterThanOrEqualTo(3), "initializing twice, then ready");
        Assert.That(Calls("HttpNfcLeaseProgress"), Is.GreaterThanOrEqualTo(3));
        Assert.That(percents, Is.All.InRange(0, 99));
        Assert.That(percents, Is.Ordered);
        Assert.That((Calls("HttpNfcLeaseComplete"), Calls("HttpNfcLeaseAbort")), Is.EqualTo((1, 0)));
    }

    [Test]
    public void A_connection_dropped_mid_stream_aborts_the_lease_and_leaves_no_output()
    {
        const string vm = "DC0_C0_RP0_VM0";
        string folder = _sim.VmFolder(vm);
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        WriteDisk("cut1", "monolithicSparse", 5, Path.Combine(folder, "disk1.vmdk"));
        WriteDisk("cut2", "monolithicSparse", 6, Path.Combine(folder, "disk2.vmdk"));
        AddDisk(vm, "disk2.vmdk", controllerKey: 202, unit: 1);
        int gets = 0;
        Count(r => r.Method == "GET" && r.Target.StartsWith("/nfc/", StringComparison.Ordinal) && Interlocked.Increment(ref gets) == 2 ? new ProxyAction.Cut(100_000) : null);
        string output = _work.File("out-cut");

        var e = Assert.Throws<VSphereException>(() => Convert(vm, output))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(3));
            Assert.That(e.Message, Does.Contain($"[LocalDS_0] {vm}/disk2.vmdk: the export stream broke off at byte").And.Contain("cannot be resumed"));
            Assert.That(Outputs(output), Is.Empty, "the first disk's output is removed too");
            Assert.That((Calls("HttpNfcLeaseComplete"), Calls("HttpNfcLeaseAbort"), Calls("Logout")), Is.EqualTo((0, 1, 1)));
        });
    }

    [Test]
    public void A_cancelled_copy_aborts_the_lease()
    {
        const string vm = "DC0_H0_VM1";
        WriteDisk("cancel", "monolithicSparse", 7, Path.Combine(_sim.VmFolder(vm), "disk1.vmdk"));
        using var cancel = new CancellationTokenSource();
        Count(r =>
        {
            if (r.Method != "GET" || !r.Target.StartsWith("/nfc/", StringComparison.Ordinal))
            {
                return null;
            }

            cancel.CancelAfter(100); // while the disk's download waits for its answer
            return new ProxyAction.Delay(1_000);
        });

        Assert.Catch<OperationCanceledException>(() => Convert(vm, _work.File("out-cancel"), cancel.Token));

        Assert.That((Calls("HttpNfcLeaseComplete"), Calls("HttpNfcLeaseAbort"), Calls("Logout")), Is.EqualTo((0, 1, 1)));
        Assert.That(Outputs(_work.File("out-cancel")), Is.Empty);
    }

    [Test]
    public void A_lease_in_error_is_reported_with_the_lease_fault_and_aborted()
    {
        const string vm = "DC0_H0_VM1";
        Count(r => StatePoll().IsMatch(r.Body)
            ? LeaseState(r, """<propSet><name>state</name><val xsi:type="HttpNfcLeaseState">error</val></propSet><propSet><name>error</name><val xsi:type="LocalizedMethodFault"><fault xsi:type="FileNotFound"><file>disk1.vmdk</file></fault><localizedMessage>File [LocalDS_0] DC0_H0_VM1/disk1.vmdk was not found</localizedMessage></val></propSet>""")
            : null);

        var e = Assert.Throws<VSphereException>(() => Convert(vm, _work.File("out-error")))!;

        Assert.That(e.ExitCode, Is.EqualTo(3));
        Assert.That(e.Message, Is.EqualTo($"vsphere://{_proxy.Server}: ExportVm: the export lease failed on the server: FileNotFound: File [LocalDS_0] DC0_H0_VM1/disk1.vmdk was not found"));
        Assert.That((Calls("GET disk-0.vmdk"), Calls("HttpNfcLeaseAbort"), Calls("Logout")), Is.EqualTo((0, 1, 1)));
    }

    [Test]
    public void An_export_stream_that_is_not_stream_optimized_is_refused()
    {
        const string vm = "DC0_C0_RP0_VM1";
        string folder = _sim.VmFolder(vm);
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        string raw = SparseImage.Create(_work.File("plain.raw"), 2 * MiB, [new DataRun(0, (int)MiB, RunFill.Random)], seed: 8);
        QemuImg.Convert(raw, "raw", Path.Combine(folder, "disk1.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");

        var e = Assert.Throws<UnsupportedFormatException>(() => Convert(vm, _work.File("out-plain")))!;

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("the export stream is not a streamOptimized VMDK"));
        Assert.That((Calls("HttpNfcLeaseComplete"), Calls("HttpNfcLeaseAbort")), Is.EqualTo((0, 1)));
    }

    [TestCase("https://*/nfc/52f7/disk-0.vmdk", "https://127.0.0.1:8443/nfc/52f7/disk-0.vmdk", true)]
    [TestCase("https://*:902/nfc/52f7/disk-0.vmdk", "https://127.0.0.1:902/nfc/52f7/disk-0.vmdk", true)]
    [TestCase("https://esx01.example/nfc/52f7/disk-0.vmdk", "https://esx01.example/nfc/52f7/disk-0.vmdk", false)]
    public void A_star_host_in_a_lease_url_is_the_server_connected_to(string url, string expected, bool onServer)
    {
        var (resolved, isServer) = HttpNfcLease.Resolve(VSphereEndpoint.Parse("127.0.0.1:8443"), "/vm-1/VirtualIDEController0:0", url);

        Assert.That((resolved.ToString(), isServer), Is.EqualTo((expected, onServer)));
    }

    [TestCase("http://*/nfc/52f7/disk-0.vmdk", "over http, not https")]
    [TestCase("https://user@*/nfc/x", "is not a URL")]
    public void A_lease_url_that_is_not_plain_https_is_refused(string url, string message)
    {
        var e = Assert.Throws<VSphereException>(() => HttpNfcLease.Resolve(VSphereEndpoint.Parse("vc01.example"), "/vm-1/x0:0", url))!;

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain(message));
    }

    [TestCase("/vm-63/ParaVirtualSCSIController0:1", "ParaVirtualSCSIController", 0, 1)]
    [TestCase("/vm-7/VirtualIDEController1:0", "VirtualIDEController", 1, 0)]
    [TestCase("/12/VirtualNVMEController3:14", "VirtualNVMEController", 3, 14)]
    public void A_device_key_names_controller_bus_and_unit(string key, string controller, int bus, int unit) =>
        Assert.That(HttpNfcLease.ParseKey(key), Is.EqualTo((controller, bus, unit)));

    [TestCase("/vm-63/disk-0")]
    [TestCase("/vm-63/ParaVirtualSCSIController0")]
    public void A_device_key_of_another_form_names_no_disk(string key) => Assert.That(HttpNfcLease.ParseKey(key), Is.Null);

    /// <summary>A RetrievePropertiesEx answer for the lease the request names, with the given property sets.</summary>
    private static ProxyAction.Respond LeaseState(ProxyRequest request, string propSets)
    {
        string lease = LeaseRef().Match(request.Body).Groups[1].Value;
        return ProxyAction.Http(200, $"""<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="HttpNfcLease">{lease}</obj>{propSets}</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>""");
    }

    [GeneratedRegex(@"<soapenv:Body><([A-Za-z_]+)")]
    private static partial Regex SoapMethod();

    [GeneratedRegex(@"<type>HttpNfcLease</type><pathSet>state</pathSet>")]
    private static partial Regex StatePoll();

    [GeneratedRegex(@"<obj type=""HttpNfcLease"">([^<]+)</obj>")]
    private static partial Regex LeaseRef();

    [GeneratedRegex(@"<percent>([0-9]+)</percent>")]
    private static partial Regex PercentOf();
}

using V2V.Adapters.VMware.VSphere;
using V2V.Core.Errors;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// Server faults and hostile responses, put between V2V and the simulator by a TLS proxy: each
/// ends in one clear message with the documented exit code, and the password appears in none.
/// </summary>
[NonParallelizable]
public class FaultTests
{
    private const long MiB = 1024 * 1024;
    private const string Password = "Never-Shown-Password-42";
    private VcSim _sim = null!;
    private FaultProxy _proxy = null!;
    private TempFolder _work = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _sim = VcSim.Start();
        _proxy = new FaultProxy(_sim.Url, _sim.Sha256);
        _work = new TempFolder();
        DatastoreFile.RetryDelaySeconds = 0;
        string raw = SparseImage.Create(_work.File("d.raw"), 4 * MiB, [new DataRun(0, 3 * (int)MiB, RunFill.Random)], seed: 5);
        string folder = _sim.VmFolder("DC0_H0_VM0");
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        QemuImg.Convert(raw, "raw", Path.Combine(folder, "disk1.vmdk"), "vmdk", "-o", "subformat=monolithicFlat");
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _proxy?.Dispose();
        _sim?.Dispose();
        _work?.Dispose();
    }

    [SetUp]
    public void ForwardEverything() => _proxy.Rule = _ => null;

    private VSphereSourceOptions Options(string vm = "DC0_H0_VM0") => new(_proxy.Server, vm, "user", VSpherePassword.Of(Password, "the test"), _proxy.Sha256);

    private static string Envelope(string body) =>
        $"""<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>""";

    private T Fails<T>(string vm = "DC0_H0_VM0") where T : V2VException
    {
        var e = Assert.Throws<T>(() =>
        {
            using var source = VSphereSource.Open(Options(vm));
            using var disk = source.OpenDisk(source.Vm.Disks[0]);
            var buffer = new byte[MiB];
            for (long at = 0; at < disk.Capacity; at += MiB)
            {
                disk.Read(at, buffer);
            }
        })!;
        Assert.That(e.ToString(), Does.Not.Contain(Password));
        return e;
    }

    [Test]
    public void Through_the_proxy_a_disk_reads_as_directly()
    {
        using var source = VSphereSource.Open(Options());
        using var disk = source.OpenDisk(source.Vm.Disks[0]);
        var buffer = new byte[disk.Capacity];
        disk.Read(0, buffer);
        Assert.That(buffer, Is.EqualTo(File.ReadAllBytes(_work.File("d.raw"))));
    }

    [Test]
    public void A_connection_dropped_mid_download_is_resumed_by_range()
    {
        int cuts = 0;
        var requests = new List<string>();
        _proxy.Rule = r =>
        {
            if (r.Method != "GET" || !r.Target.Contains("-flat.vmdk", StringComparison.Ordinal))
            {
                return null;
            }

            lock (requests)
            {
                requests.Add(r.Headers["range"]);
                return cuts++ < 2 ? new ProxyAction.Cut(100_000) : null;
            }
        };

        using var source = VSphereSource.Open(Options());
        using var disk = source.OpenDisk(source.Vm.Disks[0]);
        var buffer = new byte[disk.Capacity];
        disk.Read(0, buffer);

        Assert.That(buffer, Is.EqualTo(File.ReadAllBytes(_work.File("d.raw"))));
        Assert.That(requests.Take(3), Is.EqualTo(new[] { "bytes=0-4194303", "bytes=100000-4194303", "bytes=200000-4194303" }));
    }

    /// <summary>Forwards everything and records the Range header of every GET of the flat extent.</summary>
    private List<string> RecordFlatExtentRanges()
    {
        var ranges = new List<string>();
        _proxy.Rule = r =>
        {
            if (r.Method == "GET" && r.Target.Contains("-flat.vmdk", StringComparison.Ordinal))
            {
                lock (ranges)
                {
                    ranges.Add(r.Headers["range"]);
                }
            }

            return null;
        };
        return ranges;
    }

    [Test]
    public void A_flat_extent_read_chunk_after_chunk_is_one_GET()
    {
        var ranges = RecordFlatExtentRanges();

        using var source = VSphereSource.Open(Options());
        using var disk = source.OpenDisk(source.Vm.Disks[0]);
        var buffer = new byte[disk.Capacity];
        for (int offset = 0; offset < buffer.Length; offset += (int)MiB)
        {
            disk.Read(offset, buffer.AsSpan(offset, (int)MiB));
        }

        Assert.That(buffer, Is.EqualTo(File.ReadAllBytes(_work.File("d.raw"))));
        Assert.That(ranges, Is.EqualTo(new[] { "bytes=0-4194303" }));
    }

    [Test]
    public void Readers_racing_through_a_flat_extent_wait_for_the_one_GET_instead_of_opening_their_own()
    {
        var ranges = RecordFlatExtentRanges();

        // As the pipeline's workers do: three readers, each with its own chunk. The one with
        // chunk 1 is slow to start (a pipeline worker renting a buffer), so the one with chunk 2
        // finds the stream idle a chunk behind it. The wait is made long enough that a slow
        // machine cannot turn it into a second GET.
        var wait = DatastoreFile.CatchUpWait;
        DatastoreFile.CatchUpWait = TimeSpan.FromSeconds(30);
        try
        {
            using var source = VSphereSource.Open(Options());
            using var disk = source.OpenDisk(source.Vm.Disks[0]);
            var buffer = new byte[disk.Capacity];
            void Read(int chunk) => disk.Read(chunk * MiB, buffer.AsSpan(chunk * (int)MiB, (int)MiB));
            using var firstRead = new ManualResetEventSlim();
            Task[] readers =
            [
                Task.Run(() =>
                {
                    Read(0);
                    firstRead.Set();
                    Read(3);
                }),
                Task.Run(() =>
                {
                    firstRead.Wait();
                    Thread.Sleep(300);
                    Read(1);
                }),
                Task.Run(() =>
                {
                    firstRead.Wait();
                    Read(2);
                }),
            ];

            Assert.That(Task.WaitAll(readers, TimeSpan.FromSeconds(60)), Is.True);
            Assert.That(buffer, Is.EqualTo(File.ReadAllBytes(_work.File("d.raw"))));
            Assert.That(ranges, Is.EqualTo(new[] { "bytes=0-4194303" }));
        }
        finally
        {
            DatastoreFile.CatchUpWait = wait;
        }
    }

    [Test]
    public void A_connection_dropped_every_time_fails_after_bounded_retries()
    {
        int attempts = 0;
        _proxy.Rule = r => r.Method == "GET" && r.Target.Contains("-flat.vmdk", StringComparison.Ordinal) ? new ProxyAction.Cut(1000 * Interlocked.Increment(ref attempts)) : null;

        var e = Fails<VSphereException>();

        Assert.That(e.ExitCode, Is.EqualTo(3));
        Assert.That(e.Message, Does.Contain($"disk1-flat.vmdk: the download failed {DatastoreFile.MaxAttempts} times at byte"));
        Assert.That(attempts, Is.EqualTo(DatastoreFile.MaxAttempts));
    }

    [Test]
    public void A_soap_fault_is_reported_with_its_type_and_text()
    {
        _proxy.Rule = r => r.Body.Contains("<RetrievePropertiesEx", StringComparison.Ordinal)
            ? ProxyAction.Http(500, Envelope("""<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>the database is on fire</faultstring><detail><SystemErrorFault xsi:type="SystemError"><reason>fire</reason></SystemErrorFault></detail></soapenv:Fault>"""))
            : null;

        var e = Fails<VSphereException>();

        Assert.That(e.ExitCode, Is.EqualTo(3));
        Assert.That(e.Message, Does.Contain("RetrievePropertiesEx failed: SystemError: the database is on fire"));
    }

    [Test]
    public void An_expired_session_says_so()
    {
        _proxy.Rule = r => r.Body.Contains("<FindByInventoryPath", StringComparison.Ordinal)
            ? ProxyAction.Http(500, Envelope("""<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><NotAuthenticatedFault xsi:type="NotAuthenticated"></NotAuthenticatedFault></detail></soapenv:Fault>"""))
            : null;

        var e = Fails<VSphereException>("/DC0/vm/DC0_H0_VM0");

        Assert.That(e.Message, Does.Contain("FindByInventoryPath: the session is not authenticated (expired"));
    }

    [Test]
    public void A_dtd_in_a_response_is_refused()
    {
        _proxy.Rule = r => r.Body.Contains("<RetrieveServiceContent", StringComparison.Ordinal)
            ? ProxyAction.Http(200, """<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol;</soapenv:Body></soapenv:Envelope>""")
            : null;

        var e = Fails<InvalidImageException>();

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("the RetrieveServiceContent response is not well-formed XML (or uses a DTD, which is refused)"));
    }

    [Test]
    public void A_huge_response_is_refused_before_it_is_read()
    {
        _proxy.Rule = r => r.Body.Contains("<RetrieveServiceContent", StringComparison.Ordinal)
            ? new ProxyAction.Respond(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {VimClient.MaxResponseBytes + 1L}\r\n\r\n<x>"))
            : null;

        var e = Fails<VSphereException>();

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain($"the RetrieveServiceContent response is {VimClient.MaxResponseBytes + 1L} bytes, more than the {VimClient.MaxResponseBytes}"));
    }

    [Test]
    public void A_malformed_response_is_refused()
    {
        _proxy.Rule = r => r.Body.Contains("<Login", StringComparison.Ordinal) ? ProxyAction.Http(200, Envelope("<nothing/>")) : null;

        var e = Fails<VSphereException>();

        Assert.That(e.ExitCode, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("the Login response has no LoginResponse"));
    }

    [Test]
    public void Every_session_is_logged_out_on_failure_too()
    {
        int logins = 0, logouts = 0;
        _proxy.Rule = r =>
        {
            if (r.Body.Contains("<Login ", StringComparison.Ordinal) || r.Body.Contains("<Login>", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref logins);
            }

            if (r.Body.Contains("<Logout", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref logouts);
            }

            return null;
        };

        Fails<VSphereException>("no-such-vm");
        VSphereSource.Open(Options()).Dispose();

        Assert.That((logins, logouts), Is.EqualTo((2, 2)));
    }
}

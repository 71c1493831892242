using V2V.Adapters.VMware.VSphere;
using V2V.Core.Errors;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>Connect, certificate pinning, login and passwords against one simulator that accepts only user/secret.</summary>
[NonParallelizable]
public class ConnectTests
{
    private const string User = "v2v-user";
    private const string Password = "Pa55-w0rd-only-here";
    private VcSim _sim = null!;

    [OneTimeSetUp]
    public void StartSimulator() => _sim = VcSim.Start("-username", User, "-password", Password);

    [OneTimeTearDown]
    public void StopSimulator() => _sim?.Dispose();

    private VSphereEndpoint Endpoint => VSphereEndpoint.Parse(_sim.Url.ToString());

    [Test]
    public void A_pinned_self_signed_server_logs_in_and_names_itself()
    {
        using var client = VimClient.Connect(Endpoint, User, VSpherePassword.Of(Password, "the test"), new CertificatePin(_sim.Sha256));

        Assert.Multiple(() =>
        {
            Assert.That(client.About, Does.StartWith("VMware vCenter Server"));
            Assert.That(client.Content.ApiType, Is.EqualTo("VirtualCenter"));
            Assert.That(client.Server, Is.EqualTo($"vsphere://127.0.0.1:{_sim.Url.Port}"));
        });
    }

    [Test]
    public void The_pin_is_accepted_without_colons_and_in_lower_case()
    {
        using var client = VimClient.Connect(Endpoint, User, VSpherePassword.Of(Password, "the test"), new CertificatePin(_sim.Sha256.Replace(":", "").ToLowerInvariant()));
        Assert.That(client.Content.RootFolder.Type, Is.EqualTo("Folder"));
    }

    [Test]
    public void An_unknown_certificate_is_refused_with_its_thumbprint_and_how_to_pin_it()
    {
        var e = Assert.Throws<VSphereException>(() => VimClient.Connect(Endpoint, User, VSpherePassword.Of(Password, "the test"), new CertificatePin(null)))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(2));
            Assert.That(e.Message, Does.Contain("not trusted").And.Contain(_sim.Sha256).And.Contain("--thumbprint " + _sim.Sha256));
            Assert.That(e.Message, Does.Not.Contain(Password));
        });
    }

    [Test]
    public void A_wrong_pin_is_refused_and_the_real_thumbprint_shown()
    {
        string wrong = string.Join(':', Enumerable.Repeat("AB", 32));

        var e = Assert.Throws<VSphereException>(() => VimClient.Connect(Endpoint, User, VSpherePassword.Of(Password, "the test"), new CertificatePin(wrong)))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(2));
            Assert.That(e.Message, Does.Contain("not the one pinned").And.Contain(wrong).And.Contain(_sim.Sha256));
        });
    }

    [TestCase("AB:CD")]
    [TestCase("zz:11:22")]
    public void A_malformed_thumbprint_is_a_usage_error(string thumbprint)
    {
        var e = Assert.Throws<UsageException>(() => new CertificatePin(thumbprint))!;
        Assert.That(e.Message, Does.Contain("not a SHA-256 thumbprint"));
    }

    [Test]
    public void A_wrong_password_is_refused_and_never_shown()
    {
        const string wrong = "Wr0ng-Secret-Never-Printed";
        var password = VSpherePassword.Of(wrong, "environment variable V2V_VSPHERE_PASSWORD");

        var e = Assert.Throws<VSphereException>(() => VimClient.Connect(Endpoint, User, password, new CertificatePin(_sim.Sha256)))!;

        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(2));
            Assert.That(e.Message, Does.Contain($"login refused for user \"{User}\"").And.Contain("environment variable V2V_VSPHERE_PASSWORD"));
            Assert.That(e.ToString(), Does.Not.Contain(wrong));
            Assert.That(password.ToString(), Does.Not.Contain(wrong));
        });
    }

    [Test]
    public void A_server_that_does_not_answer_is_an_io_failure()
    {
        // A port that was free a moment ago: nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var e = Assert.Throws<VSphereException>(() => VimClient.Connect(VSphereEndpoint.Parse($"127.0.0.1:{port}"), User, VSpherePassword.Of(Password, "the test"), new CertificatePin(null)))!;

        Assert.That(e.ExitCode, Is.EqualTo(3));
        Assert.That(e.Message, Does.Contain("cannot reach"));
    }

    [TestCase("http://vc01.example", "only https")]
    [TestCase("https://user@vc01.example", "not a host name")]
    public void Endpoints_other_than_https_hosts_are_refused(string server, string why) =>
        Assert.That(Assert.Throws<UsageException>(() => VSphereEndpoint.Parse(server))!.Message, Does.Contain(why));

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_password_file_is_read_only_when_its_owner_alone_can_read_it()
    {
        using var folder = new TempFolder();
        string file = folder.File("pw");
        File.WriteAllText(file, Password + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var e = Assert.Throws<UsageException>(() => VSpherePassword.FromFile(file))!;
        Assert.That(e.Message, Does.Contain("chmod 600"));

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var client = VimClient.Connect(Endpoint, User, VSpherePassword.FromFile(file), new CertificatePin(_sim.Sha256));
        Assert.That(client.About, Is.Not.Empty);
    }

    [Test]
    public void A_named_environment_variable_that_is_unset_is_a_usage_error()
    {
        var e = Assert.Throws<UsageException>(() => VSpherePassword.Resolve(null, "V2V_TEST_UNSET_PASSWORD_VARIABLE", User, "vsphere://x"))!;
        Assert.That(e.Message, Does.Contain("V2V_TEST_UNSET_PASSWORD_VARIABLE"));
    }
}

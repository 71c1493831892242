using V2V.Adapters.VMware.VSphere;
using V2V.Core.Errors;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>vsphere:// URLs as users write them: inventory paths, names, escaped users, and what is refused.</summary>
public class UrlTests
{
    [TestCase("vsphere://administrator%40vsphere.local@vc01.example:8443/DC1/vm/web/web01", "administrator@vsphere.local", "vc01.example:8443", "/DC1/vm/web/web01")]
    [TestCase("vsphere://svc@esx07.example/web%2001", "svc", "esx07.example", "web 01")]
    [TestCase("VSPHERE://svc@[::1]:443//DC0/vm/a/", "svc", "[::1]:443", "/DC0/vm/a")]
    public void A_url_gives_user_server_and_vm(string url, string user, string server, string vm) =>
        Assert.That(VSphereUrl.Parse(url), Is.EqualTo(new VSphereUrl(user, server, vm)));

    [TestCase("vsphere://vc01.example/DC1/vm/web01", "names no user")]
    [TestCase("vsphere://svc@vc01.example", "names no VM")]
    [TestCase("vsphere://svc@vc01.example/", "names no VM")]
    [TestCase("vsphere://@vc01.example/web01", "has no user")]
    [TestCase("vsphere://svc@/web01", "has no host")]
    public void A_url_missing_a_part_is_a_usage_error(string url, string problem)
    {
        var e = Assert.Throws<UsageException>(() => VSphereUrl.Parse(url))!;
        Assert.That(e.Message, Does.Contain(problem).And.Contain("vsphere://USER@HOST"));
    }

    [Test]
    public void A_password_in_the_url_is_refused_and_not_repeated()
    {
        var e = Assert.Throws<UsageException>(() => VSphereUrl.Parse("vsphere://svc:Hunter2-Secret@vc01.example/web01"))!;
        Assert.That(e.Message, Does.Contain("vsphere://svc:...@vc01.example").And.Contain("may not be written in the URL").And.Not.Contain("Hunter2"));
    }
}

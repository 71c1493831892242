using System.Text;
using V2V.Core.Vm;

namespace V2V.Core.Tests.Vm;

/// <summary>VM names from VMX, OVF and XVA files become output file names here and on the Hyper-V host.</summary>
public class VmFileNameTests
{
    private static string SafeName(string name) =>
        new VmDescription(name, "vmware", null, Firmware.Bios, 1, 1024, null, [], [], []).FileSafeName;

    [TestCase("web01", "web01")]
    [TestCase("../../etc/x", "_.._etc_x")]
    [TestCase("a/b\\c:d", "a_b_c_d")]
    [TestCase("...", "vm")]
    [TestCase("CON", "_CON")]
    [TestCase("nul.old", "_nul.old")]
    [TestCase("com1 ", "_com1")]
    [TestCase("CONSOLE", "CONSOLE")]
    public void Names_lose_separators_and_device_names(string name, string expected) =>
        Assert.That(SafeName(name), Is.EqualTo(expected));

    [Test]
    public void Long_names_are_cut_to_100_utf8_bytes_on_a_character_boundary_and_kept_apart()
    {
        string first = SafeName(new string('é', 200) + "a");
        string second = SafeName(new string('é', 200) + "b");

        Assert.That(Encoding.UTF8.GetByteCount(first), Is.LessThanOrEqualTo(100));
        Assert.That(first, Does.StartWith("éé").And.Match("^é+-[0-9a-f]{8}$"));
        Assert.That(first, Is.Not.EqualTo(second));
    }
}

namespace V2V.TestSupport;

/// <summary>qemu-img as an independent oracle: it validates what V2V writes and writes what V2V reads.</summary>
public static class QemuImg
{
    /// <summary>Asserts that qemu-img finds no errors in the image.</summary>
    public static void AssertChecks(string path, string format)
    {
        var result = ExternalTool.Run("qemu-img", "check", "-f", format, path);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"qemu-img check -f {format} {path}: {result.StdOut}{result.StdErr}");
    }

    /// <summary>Asserts qemu-img compare finds both images identical in content.</summary>
    public static void AssertIdentical(string a, string formatA, string b, string formatB)
    {
        var result = ExternalTool.Run("qemu-img", "compare", "-f", formatA, "-F", formatB, a, b);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"qemu-img compare {a} {b}: {result.StdOut}{result.StdErr}");
    }

    public static void Convert(string source, string sourceFormat, string target, string targetFormat, params string[] options)
    {
        string[] arguments = ["convert", "-f", sourceFormat, "-O", targetFormat, .. options, source, target];
        ExternalTool.Ok("qemu-img", arguments);
    }
}

namespace V2V.TestSupport;

/// <summary>Decompresses the .bz2 samples into a test folder (they are kept compressed in the shared folder).</summary>
public static class Bzip2
{
    public static string Decompress(string compressed, TempFolder into)
    {
        string target = into.File(Path.GetFileNameWithoutExtension(compressed));
        ExternalTool.Require("bunzip2");
        var result = ExternalTool.Run("bash", "-c", $"bunzip2 -c '{compressed}' > '{target}'");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        return target;
    }
}

namespace V2V.TestSupport;

/// <summary>Where the repository and the shared real-product samples are, found from the test binary.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>../shared/samples beside the repository (CI has it too); never copied into the repository.</summary>
    public static string Samples => Path.GetFullPath(Path.Combine(Root, "..", "shared", "samples"));

    public static string Sample(string relativePath)
    {
        string path = Path.Combine(Samples, relativePath);
        if (!File.Exists(path))
        {
            Assert.Fail($"sample {path} is missing: the shared samples must sit at ../shared/samples beside the repository");
        }

        return path;
    }

    /// <summary>The built CLI (JIT), beside the test binary.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "v2v.dll");

    /// <summary>The native executable as installed (<c>dotnet publish -r linux-x64</c>); tests/run.sh publishes it here.</summary>
    public static string NativeCli => Path.Combine(Root, "artifacts", "native", "v2v");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "V2V.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("V2V.sln not found above " + AppContext.BaseDirectory);
    }
}

using System.Runtime.Intrinsics.X86;
using V2V.TestSupport;

namespace V2V.Cli.Tests;

public class VersionCommandTests
{
    [Test]
    public void Version_names_the_cpu_and_the_instruction_sets_in_use()
    {
        var result = CliRunner.Run("version");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        string cpu = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        Assert.That(result.StdOut, Does.Contain($"cpu       {cpu}"));
        // The test host JIT-compiles for this CPU, as the native build does by default (IlcInstructionSet=native).
        var vector = result.StdOut.Split('\n').First(l => l.StartsWith("vector", StringComparison.Ordinal)).Split([' ', ';'], StringSplitOptions.RemoveEmptyEntries);
        Assert.That(vector.Contains("avx2"), Is.EqualTo(Avx2.IsSupported));
        Assert.That(vector.Contains("avx512f"), Is.EqualTo(Avx512F.IsSupported));
        Assert.That(result.StdOut, Does.Contain("digests   xxh128-1m (default), sha256-1m, blake3-1m"));
    }

    [Test]
    public void Version_says_when_openssl_is_told_not_to_use_the_sha_extensions()
    {
        bool present = X86Base.IsSupported && (X86Base.CpuId(7, 0).Ebx & (1 << 29)) != 0;
        string? before = Environment.GetEnvironmentVariable("OPENSSL_ia32cap");
        try
        {
            Environment.SetEnvironmentVariable("OPENSSL_ia32cap", ":~0x20000000");
            string masked = CliRunner.Run("version").StdOut;
            Environment.SetEnvironmentVariable("OPENSSL_ia32cap", null);
            string plain = CliRunner.Run("version").StdOut;

            Assert.That(masked, Does.Contain(present ? "masked by OPENSSL_ia32cap" : "no SHA extensions"));
            Assert.That(plain, Does.Not.Contain("masked"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENSSL_ia32cap", before);
        }
    }
}

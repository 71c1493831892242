using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using V2V.Core.Pipeline;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v version</c>: the build, the CPU, and the instruction sets this binary uses — what decides
/// how fast the copy, the zero checks and each digest hash run (benchmarks print it beside their figures).
/// </summary>
public static class VersionCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("version", "Print the version, the CPU and the instruction sets this binary uses");
        command.SetAction(_ =>
        {
            var o = context.Out;
            o.WriteLine($"v2v {typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?"}");
            o.WriteLine($"runtime   {RuntimeInformation.FrameworkDescription}, {(Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? "JIT (dotnet v2v.dll)" : "native executable")}, {RuntimeInformation.ProcessArchitecture}");
            o.WriteLine($"cpu       {CpuModel()}, {Environment.ProcessorCount} logical processors");
            o.WriteLine($"vector    {InstructionSets()}");
            o.WriteLine($"sha       {ShaExtensions()}");
            o.WriteLine($"digests   {string.Join(", ", DigestAlgorithm.All.Select(a => a == DigestAlgorithm.Default ? $"{a.Name} (default)" : a.Name))}");
            return 0;
        });
        return command;
    }

    private static string CpuModel()
    {
        const string Path = "/proc/cpuinfo";
        string? line = File.Exists(Path) ? File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    /// <summary>The x86 extensions this binary's code may use (what it was compiled for and the CPU has).</summary>
    private static string InstructionSets()
    {
        if (!X86Base.IsSupported)
        {
            return $"{RuntimeInformation.ProcessArchitecture}: Vector128 {(Vector128.IsHardwareAccelerated ? "accelerated" : "software")}";
        }

        (string Name, bool Used)[] sets =
        [
            ("sse4.2", Sse42.IsSupported), ("avx", Avx.IsSupported), ("avx2", Avx2.IsSupported), ("bmi2", Bmi2.IsSupported),
            ("avx512f", Avx512F.IsSupported), ("avx512bw", Avx512BW.IsSupported), ("avx512vbmi", Avx512Vbmi.IsSupported), ("avx10.1", Avx10v1.IsSupported),
            ("pclmul", Pclmulqdq.IsSupported), ("aes", System.Runtime.Intrinsics.X86.Aes.IsSupported),
        ];
        int widest = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        return $"{string.Join(' ', sets.Where(s => s.Used).Select(s => s.Name))}; widest vectors {widest} bits";
    }

    /// <summary>
    /// SHA-256 is hashed by OpenSSL, which uses the CPU's SHA extensions (CPUID.(EAX=7,ECX=0):EBX bit 29)
    /// unless <c>OPENSSL_ia32cap</c> masks them: its second word ("~0x20000000" after the colon)
    /// replaces or, after "~", clears bits of that CPUID word (OpenSSL's OPENSSL_ia32cap(3)).
    /// </summary>
    private static string ShaExtensions()
    {
        bool present = X86Base.IsSupported && (X86Base.CpuId(7, 0).Ebx & (1 << 29)) != 0;
        string? cap = Environment.GetEnvironmentVariable("OPENSSL_ia32cap");
        int colon = cap?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (present && colon >= 0)
        {
            string word = cap![(colon + 1)..].Trim();
            bool clear = word.StartsWith('~');
            word = word.TrimStart('~');
            if (word.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && ulong.TryParse(word.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out ulong bits))
            {
                bool sha = (bits & (1UL << 29)) != 0;
                if (clear ? sha : !sha)
                {
                    return "the CPU has SHA extensions, masked by OPENSSL_ia32cap (sha256-1m and SHA-256 manifests run in software)";
                }
            }
        }

        return present
            ? "the CPU has SHA extensions (sha256-1m and SHA-256 manifests use them through OpenSSL)"
            : "no SHA extensions (sha256-1m and SHA-256 manifests run in software)";
    }
}

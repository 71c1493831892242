using System.Diagnostics;
using V2V.TestSupport;
using V2V.TestSupport.Fuzzing;

namespace V2V.Fuzz.Tests;

/// <summary>
/// The in-process, fixed-seed mutation run: every parser's seeds, then a fixed number of mutations
/// of them, each through info, check and convert (or run for pipelines) as the CLI runs them. Any
/// exit 3, internal error, hang, allocation over the bound, changed input or leftover output fails
/// the test, naming each distinct failure once with the input saved for replay. The same seed gives
/// the same inputs everywhere; V2V_FUZZ_ITERATIONS raises the count for longer local runs and
/// V2V_FUZZ_SEED changes the inputs.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MutationFuzzTests
{
    /// <summary>The mutations' random seed; V2V_FUZZ_SEED gives a longer local run other inputs than the suite's.</summary>
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("V2V_FUZZ_SEED"), out int seed) ? seed : 20261129;
    private TempFolder _seeds = null!;
    private Dictionary<string, FuzzTarget> _targets = null!;

    /// <summary>Mutations per target, sized for about two minutes in all on a 2-core CI machine.</summary>
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("V2V_FUZZ_ITERATIONS"), out int n) ? n : 500;

    /// <summary>
    /// A guest image target runs its inputs through inspect and a convert with fixups of a 7 MiB disk
    /// (15-40 inputs/s): it gets 3/10 of <see cref="Iterations"/>; a hive log is replayed into a 12 MiB
    /// hive (about 10/s): 1/10. A hive goes through `guest reg` alone (about 1,000/s): 5 times as many.
    /// The guest targets add about a minute to the suite.
    /// </summary>
    private static int IterationsOf(string name) => name switch
    {
        "guest-hive" or "guest-hive-fixed" => Iterations * 5,
        "guest-hive-log" or "guest-hive-log-fixed" => Iterations / 10,
        _ when name.StartsWith("guest-", StringComparison.Ordinal) => Iterations * 3 / 10,
        _ => Iterations,
    };

    public static IEnumerable<string> TargetNames =>
    [
        "vhdx", "vhdx-checksummed", "vhd", "vhd-checksummed", "vmdk-sparse", "vmdk-descriptor-split", "vmdk-descriptor-flat",
        "ovf", "ova-tar", "ova-ovf", "xva-tar", "xva-ova-xml", "vmx", "pipeline-yaml",
        .. GuestTargetNames,
    ];

    /// <summary>The targets whose input is a whole file: a guest image target's input stands for regions of a fixed image, which cutting it short only zeroes (mutations do that too).</summary>
    public static IEnumerable<string> TruncatedTargetNames => TargetNames.Where(n => !n.StartsWith("guest-", StringComparison.Ordinal) || n is "guest-hive" or "guest-hive-fixed");

    public static IEnumerable<string> GuestTargetNames =>
    [
        "guest-partitions", "guest-partitions-fixed", "guest-ntfs", "guest-ntfs-fixed", "guest-ntfs-features", "guest-ntfs-features-fixed", "guest-hive", "guest-hive-fixed", "guest-hive-log", "guest-hive-log-fixed", "guest-windows-ntldr", "guest-windows-bootmgr",
    ];

    [OneTimeSetUp]
    public void MakeSeeds()
    {
        _seeds = new TempFolder();
        _targets = FuzzTargets.Create(_seeds.Path).Concat(GuestFuzzTargets.Create(_seeds.Path)).ToDictionary(t => t.Name);
        Assert.That(_targets.Keys, Is.EquivalentTo(TargetNames), "every target is run by a test");
    }

    [OneTimeTearDown]
    public void RemoveSeeds() => _seeds.Dispose();

    /// <summary>
    /// Each packer that restores a guard (update sequences, regf checksum, log hashes) gives back an
    /// image every verb reads cleanly from the unmutated seed; one that broke the guard would leave
    /// its target fuzzing only the first check. (The partition targets' GPT seed is not clean:
    /// `guest ls` refuses its volume.)
    /// </summary>
    [TestCase("guest-ntfs-fixed")]
    [TestCase("guest-ntfs-features-fixed")]
    [TestCase("guest-hive-log-fixed")]
    [TestCase("guest-windows-ntldr")]
    [TestCase("guest-windows-bootmgr")]
    public void A_guarded_guest_target_s_own_seed_reads_cleanly(string name)
    {
        var target = _targets[name];
        using var work = new TempFolder();
        var exits = new List<string>();
        foreach (var seed in target.Seeds)
        {
            Assert.That(FuzzRunner.Run(target, seed, work.Path, (verb, code) => exits.Add($"{verb} {code}")), Is.Null);
        }

        Assert.That(exits, Is.Not.Empty.And.All.EndsWith(" 0"));
    }

    [TestCaseSource(nameof(TargetNames))]
    public void Mutated_inputs_never_break_a_promise(string name)
    {
        var target = _targets[name];
        var mutator = new Mutator(Seed ^ StableHash(name));
        var failures = new Dictionary<string, (FuzzFailure Failure, string Saved, int Count)>(StringComparer.Ordinal);
        using var work = new TempFolder();
        var clock = Stopwatch.StartNew();
        int tried = 0;
        var exits = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Try(byte[] input)
        {
            tried++;
            if (FuzzRunner.Run(target, input, work.Path, (verb, code) => exits[$"{verb} {code}"] = exits.GetValueOrDefault($"{verb} {code}") + 1) is not { } failure)
            {
                return;
            }

            if (failures.TryGetValue(failure.Signature, out var seen))
            {
                failures[failure.Signature] = seen with { Count = seen.Count + 1 };
                return;
            }

            string saved = Path.Combine(TestContext.CurrentContext.WorkDirectory, "fuzz-findings", $"{name}-{failures.Count}.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(saved)!);
            File.WriteAllBytes(saved, input);
            if (target.Packer is not null)
            {
                // A guest target's base image is made afresh by every run (timestamps differ): keep the file the verbs read.
                File.WriteAllBytes(Path.ChangeExtension(saved, ".packed"), target.Pack(input));
            }
            failures[failure.Signature] = (failure, saved, 1);
        }

        foreach (var seed in target.Seeds)
        {
            Try(seed);
        }

        for (int i = 0; i < IterationsOf(name); i++)
        {
            var seed = target.Seeds[mutator.Random.Next(target.Seeds.Count)];
            Try(mutator.Mutate(seed, target.Text));
        }

        TestContext.Out.WriteLine($"{name}: {tried} inputs in {clock.Elapsed.TotalSeconds:F1} s ({tried / clock.Elapsed.TotalSeconds:F1}/s), {failures.Count} distinct failure(s); exit codes: {string.Join(", ", exits.Select(e => $"{e.Key}: {e.Value}"))}");
        Assert.That(failures.Values.Select(f => $"{f.Failure} (x{f.Count}; input saved as {f.Saved})"), Is.Empty);
    }

    /// <summary>
    /// Every seed cut short: each length up to 128 bytes (headers shorter than their fields), then
    /// every 509 bytes to 8 KiB, and the last KiB (footers) in 61-byte steps.
    /// </summary>
    [TestCaseSource(nameof(TruncatedTargetNames))]
    public void Truncated_seeds_never_break_a_promise(string name)
    {
        var target = _targets[name];
        using var work = new TempFolder();
        var failures = new List<string>();
        foreach (var seed in target.Seeds)
        {
            var lengths = Enumerable.Range(0, 129).Concat(Enumerable.Range(0, 17).Select(i => 128 + i * 509)).Concat(Enumerable.Range(1, 16).Select(i => seed.Length - i * 61))
                .Where(l => l >= 0 && l < seed.Length).Distinct();
            foreach (int length in lengths)
            {
                if (FuzzRunner.Run(target, seed[..length], work.Path) is { } failure && failures.Count < 10)
                {
                    failures.Add($"{length} of {seed.Length} bytes: {failure}");
                }
            }
        }

        Assert.That(failures, Is.Empty);
    }

    /// <summary>string.GetHashCode is randomised per process; this is not.</summary>
    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked(hash * 31 + c));
}

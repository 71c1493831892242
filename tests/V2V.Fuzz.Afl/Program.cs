using SharpFuzz;
using V2V.TestSupport.Fuzzing;

// The long-run fuzz harness: AFL++ drives it through SharpFuzz (see the README, "Fuzzing").
//   seeds FOLDER             writes each target's seed corpus to FOLDER/<target>/
//   fuzz TARGET FOLDER       under afl-fuzz: every input through the target's verbs; a broken promise is a crash
//   replay TARGET FOLDER FILE...  runs saved inputs and prints what each broke (with the hidden stack)
// FOLDER holds the seed images the targets are built from: run "seeds" and "replay" with an
// uninstrumented build, "fuzz" with a copy whose V2V assemblies went through the sharpfuzz tool
// (instrumented code may run only under Fuzzer.Run, so "fuzz" reuses the images "seeds" made).
if (args.Length < 2 || args[0] is not ("seeds" or "fuzz" or "replay"))
{
    await Console.Error.WriteLineAsync("usage: V2V.Fuzz.Afl seeds FOLDER | fuzz TARGET FOLDER | replay TARGET FOLDER FILE...");
    return 2;
}

if (args[0] == "seeds")
{
    string folder = Path.GetFullPath(args[1]);
    foreach (var target in Targets(folder))
    {
        string corpus = Path.Combine(folder, "corpus", target.Name);
        Directory.CreateDirectory(corpus);
        for (int i = 0; i < target.Seeds.Count; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(corpus, $"seed-{i}"), target.Seeds[i]);
        }

        Console.WriteLine($"{corpus}: {target.Seeds.Count} seeds");
    }

    return 0;
}

var chosen = Targets(Path.GetFullPath(args[2])).Single(t => t.Name == args[1]);
string work = Path.Combine(Path.GetTempPath(), "v2v-afl-" + Environment.ProcessId);
Directory.CreateDirectory(work);
try
{
    if (args[0] == "replay")
    {
        int broken = 0;
        foreach (var file in args.Skip(3))
        {
            var failure = FuzzRunner.Run(chosen, await File.ReadAllBytesAsync(file), work);
            Console.WriteLine(failure is null ? $"{file}: every promise held" : $"{file}: {failure}");
            broken += failure is null ? 0 : 1;
        }

        return broken == 0 ? 0 : 1;
    }

    Fuzzer.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        if (FuzzRunner.Run(chosen, copy.ToArray(), work) is { } failure)
        {
            throw new FuzzFailureException(failure.ToString());
        }
    });
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

// qemu-img and tar images are made again at every start (a few seconds); V2V's own are reused.
static IReadOnlyList<FuzzTarget> Targets(string folder)
{
    Directory.CreateDirectory(folder);
    return [.. FuzzTargets.Create(folder), .. GuestFuzzTargets.Create(folder)];
}

internal sealed class FuzzFailureException(string message) : Exception(message);

namespace V2V.TestSupport;

/// <summary>What to write into a sparse raw fixture: a byte range filled with a pattern.</summary>
public readonly record struct DataRun(long Offset, int Length, RunFill Fill, byte Value = 0);

public enum RunFill
{
    /// <summary>Seeded pseudo-random bytes.</summary>
    Random,

    /// <summary>One repeated byte value.</summary>
    Repeated,
}

/// <summary>Builds sparse raw images: a file of the given size with data only where asked (holes elsewhere).</summary>
public static class SparseImage
{
    public static string Create(string path, long capacity, IEnumerable<DataRun> runs, int seed = 1)
    {
        var random = new Random(seed);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            file.SetLength(capacity);
            foreach (var run in runs)
            {
                var data = new byte[run.Length];
                if (run.Fill == RunFill.Random)
                {
                    random.NextBytes(data);
                }
                else
                {
                    Array.Fill(data, run.Value);
                }

                file.Position = run.Offset;
                file.Write(data);
            }
        }

        return path;
    }

    /// <summary>Runs of <paramref name="runLength"/> bytes scattered over the disk so that about <paramref name="fraction"/> of it holds data, half random, half repeated bytes.</summary>
    public static IReadOnlyList<DataRun> Scattered(long capacity, double fraction, int runLength, int seed = 7)
    {
        var random = new Random(seed);
        long slots = capacity / runLength;
        long wanted = (long)(slots * fraction);
        var chosen = new SortedSet<long>();
        while (chosen.Count < wanted)
        {
            chosen.Add(random.NextInt64(slots));
        }

        return chosen.Select((slot, i) => new DataRun(slot * runLength, runLength, i % 2 == 0 ? RunFill.Random : RunFill.Repeated, (byte)(1 + i % 250))).ToList();
    }
}

using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// <c>v2v check</c> for VHDX: everything the reader validates and tolerates, plus what only a
/// checker needs to look at (the second region table, blocks sharing file space).
/// </summary>
public static class VhdxChecker
{
    public static IReadOnlyList<CheckFinding> Check(string path)
    {
        VhdxFile image;
        try
        {
            image = VhdxFile.Open(path);
        }
        catch (V2VException e)
        {
            return [new CheckFinding(CheckSeverity.Problem, e.Message)];
        }

        using (image)
        {
            var findings = new List<CheckFinding>(image.Findings);
            var table = new byte[VhdxLayout.RegionTableSize];
            image.File.ReadExactly(VhdxLayout.RegionTable2Offset, table, "region table 2");
            if (VhdxRegionTable.TryRead(table, out var problem) is null)
            {
                findings.Add(new CheckFinding(CheckSeverity.Problem, $"region table 2 (256 KiB) is invalid: {problem}"));
            }

            var starts = new List<(long Offset, long Block)>();
            for (long block = 0; block < image.BatLayout.PayloadBlocks; block++)
            {
                var entry = image.PayloadEntry(block);
                if (entry.State == VhdxBlockState.FullyPresent)
                {
                    starts.Add((entry.FileOffset, block));
                }
            }

            starts.Sort();
            for (int i = 1; i < starts.Count; i++)
            {
                if (starts[i].Offset - starts[i - 1].Offset < image.BlockSize)
                {
                    findings.Add(new CheckFinding(CheckSeverity.Problem, $"blocks {starts[i - 1].Block} and {starts[i].Block} share file space at offset {starts[i].Offset}"));
                    break;
                }
            }

            if (image.File.Length % Alignment.MiB != 0)
            {
                findings.Add(new CheckFinding(CheckSeverity.Note, $"file length {image.File.Length} is not a whole number of MiB"));
            }

            return findings;
        }
    }
}

using System.Buffers.Binary;
using System.Text;
using V2V.Guest.Registry;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Registry;

/// <summary>Hives edited by hivex (hivexregedit --merge) and base-block surgery for the tests.</summary>
internal static class HiveEdits
{
    /// <summary>Merges <paramref name="regLines"/> (keys written below HKEY_LOCAL_MACHINE\SOFTWARE) into the hive at <paramref name="hive"/>.</summary>
    public static void Merge(string hive, string folder, params string[] regLines)
    {
        string reg = Path.Combine(folder, "merge-" + Guid.NewGuid().ToString("N")[..8] + ".reg");
        File.WriteAllText(reg, "Windows Registry Editor Version 5.00\r\n\r\n" + string.Join("\r\n", regLines) + "\r\n", new UTF8Encoding(false));
        ExternalTool.Ok("hivexregedit", "--merge", "--prefix", @"HKEY_LOCAL_MACHINE\SOFTWARE", hive, reg);
    }

    /// <summary>A .reg hex list of <paramref name="count"/> bytes following a fixed pattern.</summary>
    public static string HexBytes(int count) => string.Join(",", Enumerable.Range(0, count).Select(i => ((i * 7) + (i >> 8)).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)[^2..]));

    public static uint U32(byte[] bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));

    public static void SetU32(byte[] bytes, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);

    public static void SetI32(byte[] bytes, int at, int value) => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value);

    /// <summary>Rewrites the checksum of the base block at the start of <paramref name="bytes"/>.</summary>
    public static void Reseal(byte[] bytes) => SetU32(bytes, 508, RegfBaseBlock.ComputeChecksum(bytes));

    /// <summary>File offset of the first allocated cell whose data starts with <paramref name="signature"/>, after <paramref name="from"/>.</summary>
    public static int FindCell(byte[] hive, string signature, int from = 4096)
    {
        var sig = Encoding.ASCII.GetBytes(signature);
        int end = 4096 + (int)U32(hive, 40);
        for (int bin = 4096; bin < end; bin += (int)U32(hive, bin + 8))
        {
            for (int cell = bin + 32; cell < bin + (int)U32(hive, bin + 8); cell += Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(hive.AsSpan(cell))))
            {
                if (cell >= from && BinaryPrimitives.ReadInt32LittleEndian(hive.AsSpan(cell)) < 0 && hive.AsSpan(cell + 4, 2).SequenceEqual(sig))
                {
                    return cell;
                }
            }
        }

        throw new AssertionException($"no {signature} cell");
    }
}

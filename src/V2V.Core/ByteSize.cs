using System.Globalization;
using V2V.Core.Errors;

namespace V2V.Core;

/// <summary>Sizes typed by users: "33554432", "32M", "32MiB", "1G". Suffixes are binary, as in qemu-img.</summary>
public static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1L << 10), ("MB", 1L << 20), ("GB", 1L << 30), ("TB", 1L << 40),
        ("K", 1L << 10), ("M", 1L << 20), ("G", 1L << 30), ("T", 1L << 40),
        ("k", 1L << 10), ("B", 1),
    ];

    public static long Parse(string text, string what) =>
        TryParse(text) ?? throw new UsageException($"{what}: \"{text}\" is not a size (examples: 1048576, 1M, 32MiB, 2G)");

    /// <summary>The size in bytes, or null when the text is not a size.</summary>
    public static long? TryParse(string text)
    {
        string trimmed = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in Suffixes)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                trimmed = trimmed[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > long.MaxValue / factor)
        {
            return null;
        }

        return value * factor;
    }

    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {units[unit]}");
    }
}
